// Owns the daemon's command-line grammar (daemonproxy(8), OPTIONS): argv in, typed
// options plus at most one stop (help / version / fatal) out, processed strictly left to right.
// Invariant: an earlier -E or guard decides what a later error does, exactly as in 1.1.
// Must never do I/O (no fs, no console, no process.exit): the caller logs, prints, execs, exits.

import { LOG_LEVELS } from '../supervisor/logger.js';
import { CLI_MESSAGES } from './cli-messages.js';
import { BUILTIN_OPTIONS, type BuiltinOption, type ExtensionOption } from './cli-option-table.js';
import {
	byteLength,
	FD_POOL_LIMITS,
	parseCInteger,
	parsePoolSpec,
	SERVICE_POOL_LIMITS,
	type PoolSpec,
} from './cli-option-values.js';
import { EXIT_STATUS } from './exit-status.js';

export interface DaemonOptions {
	config: string | null;
	interactive: boolean;
	/** Every -S, in order: each is a listening control socket. */
	sockets: string[];
	daemonize: boolean;
	/** The terminate guard (--exit-guard); 0n = none. As process 1 it starts at 1n. */
	exitGuard: bigint;
	/** The exec-on-exit vector (-E) split from the TSV value; null = none (`-E ''` disables). */
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
	| { kind: 'help'; status: typeof EXIT_STATUS.help }
	| { kind: 'version'; status: typeof EXIT_STATUS.help }
	| { kind: 'fatal'; status: typeof EXIT_STATUS.badOptions; message: string };

export interface ParseResult {
	/** The state reached; when `stop` is set, the state at the moment parsing stopped. */
	options: DaemonOptions;
	stop: ParseStop | null;
	/** To be logged at `warning` level, in order (pool values clamped, -D ignored). */
	warnings: string[];
	/** Fatal conditions survived because a guard was set: log `fatal: (attempting to continue) …`. */
	continuedFatals: string[];
}

export interface ParseContext {
	isPid1: boolean;
	fileExists(path: string): boolean;
}

/** Process 1's defaults (daemonproxy(8), RUNNING AS INIT). */
export const PID1_CONFIG_FILE = '/etc/daemonproxy.conf';
export const PID1_EXIT_GUARD = 1n;
/** -E's limit, as in 1.1: the bytes of the exec-on-exit vector, TABs included. */
export const MAX_EXEC_ARGS_BYTES = 255;

type Known = { builtin: BuiltinOption; extension: null } | { builtin: null; extension: ExtensionOption };

const DEFAULT_FILTER_INDEX = LOG_LEVELS.indexOf('debug');
const MAX_FILTER_INDEX = LOG_LEVELS.length - 1;

/**
 * Parses `argv` (the arguments after the program name, as latin1 strings). The caller
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
		config: null,
		interactive: false,
		sockets: [],
		daemonize: false,
		exitGuard: context.isPid1 ? PID1_EXIT_GUARD : 0n,
		exitExec: null,
		fdPool: null,
		servicePool: null,
		mlockall: false,
		logLevelDelta: 0,
		extensions: new Map(),
	};
	const warnings: string[] = [];
	const continuedFatals: string[] = [];
	const state: { stop: ParseStop | null } = { stop: null };
	let filterIndex = DEFAULT_FILTER_INDEX;

	// A fatal condition: exec-on-exit first (the caller execs, so parsing stops); then a guard
	// means "log and carry on"; otherwise the condition ends the process. Returns true to stop.
	const fatal = (message: string): boolean => {
		if (options.exitExec !== null || options.exitGuard === 0n) {
			state.stop = { kind: 'fatal', status: EXIT_STATUS.badOptions, message };
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
			options.extensions.set(long, [...(options.extensions.get(long) ?? []), v]);
			return false;
		}
		switch (known.builtin.long) {
			case 'config':
				// 1.1 keeps the path even when the stat fails, so under a guard the later open
				// reports it too; we do the same rather than silently fall back to another file.
				options.config = v;
				return v !== '-' && !context.fileExists(v) ? fatal(CLI_MESSAGES.cannotStatConfig(v)) : false;
			case 'interactive':
				options.interactive = true;
				return false;
			case 'socket':
				options.sockets.push(v);
				return false;
			case 'daemonize':
				options.daemonize = true;
				return false;
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
				const pool = parsePoolSpec(
					v,
					known.builtin.long === 'fd-pool' ? FD_POOL_LIMITS : SERVICE_POOL_LIMITS,
					warnings,
				);
				if (pool === null) return fatal(CLI_MESSAGES.badPoolSpec);
				if (known.builtin.long === 'fd-pool') options.fdPool = pool;
				else options.servicePool = pool;
				return false;
			}
			case 'mlockall':
				options.mlockall = true;
				return false;
			case 'verbose':
				filterIndex = Math.max(0, filterIndex - 1);
				return false;
			case 'quiet':
				filterIndex = Math.min(MAX_FILTER_INDEX, filterIndex + 1);
				return false;
			case 'help':
				state.stop = { kind: 'help', status: EXIT_STATUS.help };
				return true;
			case 'version':
				state.stop = { kind: 'version', status: EXIT_STATUS.help };
				return true;
			default:
				throw new Error(`unhandled option --${known.builtin.long}`);
		}
	};

	let next = 0;
	// One recognised option: its value is always the next argv element, whatever it looks like.
	const act = (known: Known, missing: string): boolean => {
		if (known.extension === null ? known.builtin.valueName === null : known.extension.flag === true)
			return apply(known, '');
		const value = argv[next];
		if (value === undefined) return fatal(missing);
		next++;
		return apply(known, value);
	};

	parse: while (next < argv.length) {
		const arg = argv[next++] ?? '';
		if (arg.startsWith('--')) {
			const known = byLong.get(arg.slice(2)); // `--` alone looks up '' and is unknown
			if (
				known === undefined ? fatal(CLI_MESSAGES.unknownLong(arg)) : act(known, CLI_MESSAGES.missingLong(arg.slice(2)))
			)
				break;
		} else if (arg.startsWith('-')) {
			for (const letter of arg.slice(1)) {
				// a lone '-' is an empty cluster: nothing happens
				const known = byShort.get(letter);
				if (
					known === undefined ? fatal(CLI_MESSAGES.unknownShort(letter)) : act(known, CLI_MESSAGES.missingShort(letter))
				)
					break parse;
			}
		} else if (fatal(CLI_MESSAGES.unexpectedArgument(arg))) {
			break;
		}
	}
	options.logLevelDelta = filterIndex - DEFAULT_FILTER_INDEX;
	if (state.stop === null) finish(options, context, warnings, fatal);
	return { options, stop: state.stop, warnings, continuedFatals };
}

/** The checks and defaults that follow a complete parse. */
function finish(
	options: DaemonOptions,
	context: ParseContext,
	warnings: string[],
	fatal: (m: string) => boolean,
): void {
	if (options.config === null && context.isPid1) options.config = PID1_CONFIG_FILE;
	if (options.config === null && !options.interactive && options.sockets.length === 0) {
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

function indexOptions(
	extensions: readonly ExtensionOption[],
	byShort: Map<string, Known>,
	byLong: Map<string, Known>,
): void {
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
