// Owns the daemon's command-line grammar (spec §13.2, §13.3, §13.5, §13.7): argv in, typed
// options plus at most one stop (help / version / fatal) out, processed strictly left to right.
// Invariant: an earlier -E or guard decides what a later error does, exactly as in 1.1.
// Must never do I/O (no fs, no console, no process.exit): the caller logs, prints, execs, exits.

import { LOG_LEVELS } from '../supervisor/logger.js';

export interface PoolSpec { count: number; size: number }

export interface DaemonOptions {
	config: string | null;
	interactive: boolean;
	socket: string | null;
	daemonize: boolean;
	/** §13.5 terminate guard; 0n = none. As process 1 it starts at 1n. */
	exitGuard: bigint;
	/** §13.6 exec-on-exit vector split from the TSV value; null = none (`-E ''` disables). */
	exitExec: string[] | null;
	fdPool: PoolSpec | null;
	servicePool: PoolSpec | null;
	mlockall: boolean;
	/**
	 * Steps to hand to Logger.adjust(): -1 per -v, +1 per -q, applied in order with saturation
	 * from the default filter (`debug`), as if each step hit the logger in turn (`-qqqqqqqv`: `error`).
	 */
	logLevelDelta: number;
	/** Values of extension options by long name, in the order given; absent if never given. */
	extensions: Map<string, string[]>;
}

export type ParseStop =
	| { kind: 'help'; status: 1 }
	| { kind: 'version'; status: 1 }
	| { kind: 'fatal'; status: number; message: string };

export interface ParseResult {
	/** The state reached; when `stop` is set, the state at the moment parsing stopped. */
	options: DaemonOptions;
	stop: ParseStop | null;
	/** To be logged at `warning` level, in order (§13.3 clamping, §13.8). */
	warnings: string[];
	/** Fatal conditions survived because a guard was set: log `fatal: (attempting to continue) …`. */
	continuedFatals: string[];
}

export interface ExtensionOption {
	long: string;
	short?: string;
	/** '' for a flag. */
	valueName: string;
	description: string;
	/** Takes no value (recorded as ''), like the 1.1 flags. */
	flag?: boolean;
	/** Returns an error message (fatal, status 2) or null when the value is acceptable. */
	validate?(value: string): string | null;
}

export interface ParseContext {
	isPid1: boolean;
	fileExists(path: string): boolean;
}

/** §13.10 statuses produced by parsing. */
export const EXIT_HELP = 1;
export const EXIT_BAD_OPTIONS = 2;

/** §13.7 */
export const PID1_CONFIG_FILE = '/etc/daemonproxy.conf';
export const PID1_EXIT_GUARD = 1n;
/** §14: the exec-on-exit vector, TABs included. */
export const MAX_EXEC_ARGS_BYTES = 255;

/**
 * Every text this module emits (§13.2, §13.3, §13.8). The pool warnings keep 1.1's wording except
 * the `servce` typo, which is fixed (spec §16 lists it as an accident).
 */
export const CLI_MESSAGES = {
	unknownShort: (letter: string) => `Unknown option -${letter}  (see --help)`,
	unknownLong: (arg: string) => `Unknown option ${arg}  (see --help)`,
	missingShort: (letter: string) => `Missing argument for -${letter}`,
	missingLong: (name: string) => `Missing argument for --${name}`,
	// 1.1 appends a LF here (spec §16 accident); we do not.
	unexpectedArgument: (arg: string) => `Unexpected argument "${arg}"`,
	cannotStatConfig: (path: string) => `Cannot stat configfile "${path}"`,
	badGuard: 'Terminate guard must be an integer',
	execArgsTooLong: 'exec-on-exit arguments exceed buffer size',
	badPoolSpec: 'Expected \'N\' or \'NxM\' where N and M are integers and M has an optional size suffix',
	requireMode: 'require -i or -c or -S',
	// 1.1 forbids the combination (§13.1) without a documented text; both would read stdin.
	interactiveWithStdinConfig: 'cannot combine -i with -c - (both would read stdin)',
	ignoringDaemonize: 'Ignoring --daemonize (see manual)',
	fdPoolCountLow: 'At least 7 fd objects required; using minimum',
	fdPoolCountHigh: 'fd pool size exceeds max number of allowed file descriptors; limiting to 1024',
	fdPoolSizeLow: 'fd obj size increased to minimum of 32',
	fdPoolSizeHigh: 'fd obj size limited to maximum of 4096',
	servicePoolCountLow: 'At least 1 service objects required; using minimum',
	servicePoolCountHigh: 'service pool size exceeds maximum; limiting to 65535',
	servicePoolSizeLow: 'service obj size increased to minimum of 64',
} as const;

export interface BuiltinOption {
	readonly short: string | null;
	readonly long: string;
	/** null when the option takes no value. */
	readonly valueName: string | null;
	readonly description: string;
}

/** The 1.1 options in the order of the §13.3 table (which is also the --help order, §13.11). */
export const BUILTIN_OPTIONS: readonly BuiltinOption[] = [
	{ short: 'c', long: 'config', valueName: 'FILENAME', description: 'Run commands from FILENAME at startup (- = stdin)' },
	{ short: 'i', long: 'interactive', valueName: null, description: 'Controller on stdin (commands) and stdout (events)' },
	{ short: 'S', long: 'socket', valueName: 'PATH', description: 'Control socket path (@NAME: abstract socket)' },
	{ short: 'D', long: 'daemonize', valueName: null, description: 'Fork to the background; print the pid on stdout' },
	{ short: null, long: 'exit-guard', valueName: 'INTEGER', description: 'Require this code to terminate (0 = no guard)' },
	{ short: 'E', long: 'exit-exec', valueName: 'TSV_ARGS', description: 'Exec these TAB-separated args instead of exiting' },
	{ short: null, long: 'fd-pool', valueName: 'N[xM]', description: 'At most N handles of M bytes each (M: 32..4096)' },
	{ short: null, long: 'service-pool', valueName: 'N[xM]', description: 'At most N services of M bytes each (M >= 64)' },
	{ short: 'M', long: 'mlockall', valueName: null, description: 'Lock all current and future memory after setup' },
	{ short: 'v', long: 'verbose', valueName: null, description: 'Log one level more (repeatable)' },
	{ short: 'q', long: 'quiet', valueName: null, description: 'Log one level less (repeatable)' },
	{ short: 'h', long: 'help', valueName: null, description: 'Print this help and exit' },
	{ short: null, long: 'version', valueName: null, description: 'Print the version and exit' },
];

type Known =
	| { builtin: BuiltinOption; extension: null }
	| { builtin: null; extension: ExtensionOption };

const DEFAULT_FILTER_INDEX = LOG_LEVELS.indexOf('debug');
const MAX_FILTER_INDEX = LOG_LEVELS.length - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const C_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

/**
 * Parses `argv` (the arguments after the program name, as latin1 strings) per §13.2. The caller
 * acts on `stop` (print help/version and exit 1, or exec-on-exit; fatal: exec-on-exit if
 * configured, else log and exit with `status`), then logs `warnings` and `continuedFatals`.
 * Throws only on programmer errors in `extensions` (bad or clashing names).
 */
export function parseCommandLine(
	argv: readonly string[],
	context: ParseContext,
	extensions: readonly ExtensionOption[] = [],
): ParseResult {
	const byShort = new Map<string, Known>();
	const byLong = new Map<string, Known>();
	indexOptions(extensions, byShort, byLong);

	const options: DaemonOptions = {
		config: null, interactive: false, socket: null, daemonize: false,
		exitGuard: context.isPid1 ? PID1_EXIT_GUARD : 0n, exitExec: null,
		fdPool: null, servicePool: null, mlockall: false, logLevelDelta: 0, extensions: new Map(),
	};
	const warnings: string[] = [];
	const continuedFatals: string[] = [];
	const state: { stop: ParseStop | null } = { stop: null };
	let filterIndex = DEFAULT_FILTER_INDEX;

	// §13.5: exec-on-exit first (the caller execs, so parsing stops); then a guard means
	// "log and carry on"; otherwise the condition ends the process. Returns true to stop.
	const fatal = (message: string): boolean => {
		if (options.exitExec !== null || options.exitGuard === 0n) {
			state.stop = { kind: 'fatal', status: EXIT_BAD_OPTIONS, message };
			return true;
		}
		continuedFatals.push(message);
		return false;
	};

	// Applies one recognised option; returns true when parsing must stop.
	const apply = (known: Known, v: string): boolean => {
		if (known.extension !== null) {
			const { long } = known.extension;
			const problem = known.extension.validate?.(v) ?? null;
			if (problem !== null) return fatal(problem);
			options.extensions.set(long, [...options.extensions.get(long) ?? [], v]);
			return false;
		}
		switch (known.builtin.long) {
			case 'config':
				// 1.1 keeps the path even when the stat fails, so under a guard the later open
				// reports it too; we do the same rather than silently fall back to another file.
				options.config = v;
				return v !== '-' && !context.fileExists(v) ? fatal(CLI_MESSAGES.cannotStatConfig(v)) : false;
			case 'interactive': options.interactive = true; return false;
			case 'socket': options.socket = v; return false;
			case 'daemonize': options.daemonize = true; return false;
			case 'exit-guard': {
				const guard = parseCInteger(v);
				if (guard === null) return fatal(CLI_MESSAGES.badGuard);
				options.exitGuard = guard;
				return false;
			}
			case 'exit-exec':
				if (byteLength(v) > MAX_EXEC_ARGS_BYTES) return fatal(CLI_MESSAGES.execArgsTooLong);
				options.exitExec = v === '' ? null : v.split('\t');
				return false;
			case 'fd-pool':
			case 'service-pool': {
				const pool = parsePoolSpec(v, known.builtin.long === 'fd-pool' ? FD_POOL : SERVICE_POOL, warnings);
				if (pool === null) return fatal(CLI_MESSAGES.badPoolSpec);
				if (known.builtin.long === 'fd-pool') options.fdPool = pool;
				else options.servicePool = pool;
				return false;
			}
			case 'mlockall': options.mlockall = true; return false;
			case 'verbose': filterIndex = Math.max(0, filterIndex - 1); return false;
			case 'quiet': filterIndex = Math.min(MAX_FILTER_INDEX, filterIndex + 1); return false;
			case 'help': state.stop = { kind: 'help', status: EXIT_HELP }; return true;
			case 'version': state.stop = { kind: 'version', status: EXIT_HELP }; return true;
			default: throw new Error(`unhandled option --${known.builtin.long}`);
		}
	};

	let next = 0;
	// One recognised option: its value is always the next argv element, whatever it looks like.
	const act = (known: Known, missing: string): boolean => {
		if (known.extension === null ? known.builtin.valueName === null : known.extension.flag === true) return apply(known, '');
		const value = argv[next];
		if (value === undefined) return fatal(missing);
		next++;
		return apply(known, value);
	};

	parse: while (next < argv.length) {
		const arg = argv[next++] ?? '';
		if (arg.startsWith('--')) {
			const known = byLong.get(arg.slice(2)); // `--` alone looks up '' and is unknown
			if (known === undefined ? fatal(CLI_MESSAGES.unknownLong(arg)) : act(known, CLI_MESSAGES.missingLong(arg.slice(2)))) break;
		} else if (arg.startsWith('-')) {
			for (const letter of arg.slice(1)) { // a lone '-' is an empty cluster: nothing happens
				const known = byShort.get(letter);
				if (known === undefined ? fatal(CLI_MESSAGES.unknownShort(letter)) : act(known, CLI_MESSAGES.missingShort(letter))) break parse;
			}
		} else if (fatal(CLI_MESSAGES.unexpectedArgument(arg))) {
			break;
		}
	}
	options.logLevelDelta = filterIndex - DEFAULT_FILTER_INDEX;
	if (state.stop === null) finish(options, context, warnings, fatal);
	return { options, stop: state.stop, warnings, continuedFatals };
}

/** §13.1, §13.4 step 4, §13.7, §13.8: the checks and defaults that follow a complete parse. */
function finish(options: DaemonOptions, context: ParseContext, warnings: string[], fatal: (m: string) => boolean): void {
	if (options.config === null && context.isPid1) options.config = PID1_CONFIG_FILE;
	if (options.config === null && !options.interactive && options.socket === null) {
		if (fatal(CLI_MESSAGES.requireMode)) return;
	}
	if (options.interactive && options.config === '-') {
		if (fatal(CLI_MESSAGES.interactiveWithStdinConfig)) return;
		// Survived under a guard: stdin can serve only one reader; the interactive controller wins.
		options.config = null;
	}
	if (options.daemonize && (options.interactive || context.isPid1)) {
		warnings.push(CLI_MESSAGES.ignoringDaemonize);
		options.daemonize = false;
	}
}

function indexOptions(extensions: readonly ExtensionOption[], byShort: Map<string, Known>, byLong: Map<string, Known>): void {
	for (const builtin of BUILTIN_OPTIONS) {
		const known: Known = { builtin, extension: null };
		byLong.set(builtin.long, known);
		if (builtin.short !== null) byShort.set(builtin.short, known);
	}
	for (const extension of extensions) {
		const known: Known = { builtin: null, extension };
		if (extension.long === '' || extension.long.startsWith('-') || byLong.has(extension.long)) {
			throw new TypeError(`extension option --${extension.long}: empty, dashed or duplicate long name`);
		}
		byLong.set(extension.long, known);
		if (extension.short !== undefined) {
			if (extension.short.length !== 1 || extension.short === '-' || byShort.has(extension.short)) {
				throw new TypeError(`extension option -${extension.short}: not one letter, or duplicate`);
			}
			byShort.set(extension.short, known);
		}
	}
}

/**
 * strtol(…, 10) with a check for trailing garbage: leading C whitespace, optional sign, at least
 * one digit (an empty value is rejected, unlike 1.1 which took it as 0), clamped to a 64-bit long.
 */
export function parseCInteger(text: string): bigint | null {
	const scanned = scanCInteger(text, 0);
	return scanned === null || scanned.end !== text.length ? null : scanned.value;
}

function scanCInteger(text: string, start: number): { value: bigint; end: number } | null {
	let i = start;
	while (i < text.length && C_SPACE.has(text.charAt(i))) i++;
	const sign = text.charAt(i);
	if (sign === '+' || sign === '-') i++;
	const digitsStart = i;
	while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
	if (i === digitsStart) return null;
	let value = BigInt(text.slice(digitsStart, i));
	if (sign === '-') value = -value;
	return { value: clamp(value, INT64_MIN, INT64_MAX), end: i };
}

interface PoolLimits {
	minCount: bigint; maxCount: bigint; minSize: bigint; maxSize: bigint | null; defaultSize: number;
	countLow: string; countHigh: string; sizeLow: string; sizeHigh: string | null;
}

/** §10.4, §14 */
const FD_POOL: PoolLimits = {
	minCount: 7n, maxCount: 1024n, minSize: 32n, maxSize: 4096n, defaultSize: 96,
	countLow: CLI_MESSAGES.fdPoolCountLow, countHigh: CLI_MESSAGES.fdPoolCountHigh,
	sizeLow: CLI_MESSAGES.fdPoolSizeLow, sizeHigh: CLI_MESSAGES.fdPoolSizeHigh,
};

/** §13.3: no upper bound on the object size in 1.1. */
const SERVICE_POOL: PoolLimits = {
	minCount: 1n, maxCount: 65535n, minSize: 64n, maxSize: null, defaultSize: 512,
	countLow: CLI_MESSAGES.servicePoolCountLow, countHigh: CLI_MESSAGES.servicePoolCountHigh,
	sizeLow: CLI_MESSAGES.servicePoolSizeLow, sizeHigh: null,
};

/** §13.3 size suffixes after M: `k`/`m`/`g` (either case) ×1024ⁿ, with `B` ×1000ⁿ, with `iB` ×1024ⁿ. */
function suffixMultiplier(suffix: string): bigint | null {
	if (suffix === '' || suffix === 'b' || suffix === 'B') return 1n;
	const power = 'kmg'.indexOf(suffix.charAt(0).toLowerCase()) + 1;
	if (power === 0) return null;
	switch (suffix.slice(1)) {
		case '':
		case 'iB': return 1024n ** BigInt(power);
		case 'B': return 1000n ** BigInt(power);
		default: return null;
	}
}

/** `N[xM]`, clamped with the 1.1 warnings; null for a malformed spec or one beyond 64 bits. */
function parsePoolSpec(spec: string, limits: PoolLimits, warnings: string[]): PoolSpec | null {
	const n = scanCInteger(spec, 0);
	if (n === null) return null;
	let size: bigint = BigInt(limits.defaultSize);
	if (n.end !== spec.length) {
		if (spec.charAt(n.end) !== 'x') return null;
		if (n.end + 1 < spec.length) {
			const m = scanCInteger(spec, n.end + 1);
			if (m === null) return null;
			const multiplier = suffixMultiplier(spec.slice(m.end));
			if (multiplier === null) return null;
			size = m.value * multiplier;
			if (size > INT64_MAX || size < INT64_MIN) return null;
		}
	}
	let count = n.value;
	if (count < limits.minCount) { count = limits.minCount; warnings.push(limits.countLow); }
	if (count > limits.maxCount) { count = limits.maxCount; warnings.push(limits.countHigh); }
	if (size < limits.minSize) { size = limits.minSize; warnings.push(limits.sizeLow); }
	if (limits.maxSize !== null && limits.sizeHigh !== null && size > limits.maxSize) {
		size = limits.maxSize;
		warnings.push(limits.sizeHigh);
	}
	return { count: Number(count), size: Number(size) };
}

function clamp(value: bigint, low: bigint, high: bigint): bigint {
	return value < low ? low : value > high ? high : value;
}

/** Bytes of an argv string: latin1 strings are one byte per char; anything wider counts as UTF-8. */
function byteLength(text: string): number {
	return /[^\x00-\xff]/.test(text) ? Buffer.byteLength(text, 'utf8') : text.length;
}
