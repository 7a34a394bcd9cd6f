// Owns the signal vocabulary of the wire (see Signal names in daemonproxy(8)): names ⇄ numbers and
// the parsing of signal and trigger arguments. The table is data; the Linux numbers are fixed.
// Invariant: output names always carry `SIG`; input matching is case-sensitive.
// Must never consult the host (os.constants): the wire vocabulary is the reference build's.

import { MSG } from './replies.js';

/** Linux signal names, bare (no `SIG`), alphabetical: the first name of a number is its output name. */
const SIGNAL_TABLE = [
	['ABRT', 6],
	['ALRM', 14],
	['BUS', 7],
	['CHLD', 17],
	['CLD', 17],
	['CONT', 18],
	['FPE', 8],
	['HUP', 1],
	['ILL', 4],
	['INT', 2],
	['IO', 29],
	['IOT', 6],
	['KILL', 9],
	['PIPE', 13],
	['POLL', 29],
	['PROF', 27],
	['PWR', 30],
	['QUIT', 3],
	['SEGV', 11],
	['STKFLT', 16],
	['STOP', 19],
	['SYS', 31],
	['TERM', 15],
	['TRAP', 5],
	['TSTP', 20],
	['TTIN', 21],
	['TTOU', 22],
	['URG', 23],
	['USR1', 10],
	['USR2', 12],
	['VTALRM', 26],
	['WINCH', 28],
	['XCPU', 24],
	['XFSZ', 25],
] as const;

export type BareSignalName = (typeof SIGNAL_TABLE)[number][0];
export type SignalName = `SIG${BareSignalName}`;

/** Caught and counted; these produce `signal` events. */
export const COUNTED_SIGNALS: readonly SignalName[] = Object.freeze([
	'SIGINT',
	'SIGHUP',
	'SIGTERM',
	'SIGUSR1',
	'SIGUSR2',
	'SIGQUIT',
]);

/** Caught only to wake the main loop; no event. */
export const WAKE_SIGNALS: readonly SignalName[] = Object.freeze(['SIGCHLD', 'SIGALRM', 'SIGPIPE']);

/** Fatal, exit status 4 (`Received signal SIG<NAME> (<N>)`). */
export const FATAL_SIGNALS: readonly SignalName[] = Object.freeze([
	'SIGABRT',
	'SIGFPE',
	'SIGILL',
	'SIGSEGV',
	'SIGBUS',
	'SIGTRAP',
]);

/** `service.signal` and `signal.clear` accept numbers 0..65535. */
export const MAX_SIGNAL_NUMBER = 65535;

/** Maps (not objects) so that a name like `__proto__` is just unknown. */
const NUMBER_BY_BARE_NAME: ReadonlyMap<string, number> = new Map(SIGNAL_TABLE);
const NAME_BY_NUMBER: ReadonlyMap<number, SignalName> = (() => {
	const m = new Map<number, SignalName>();
	for (const [name, n] of SIGNAL_TABLE) {
		if (!m.has(n)) {
			m.set(n, `SIG${name}`);
		}
	}
	return m;
})();

/** The number of a name given with or without `SIG` (case-sensitive), else undefined. */
export function signalNumber(name: string): number | undefined {
	const bare = name.startsWith('SIG') ? name.slice(3) : name;
	return NUMBER_BY_BARE_NAME.get(bare);
}

/**
 * Output form: `SIGHUP`; the alphabetically first of synonyms (`SIGABRT`, not `SIGIOT`); `SIG-?`
 * if unnamed.
 */
export function signalName(n: number): string {
	return NAME_BY_NUMBER.get(n) ?? 'SIG-?';
}

export type SignalArgumentMessage =
	typeof MSG.expectedSignal | typeof MSG.invalidSignalNumber | typeof MSG.invalidSignalArgument;

export type SignalArgument = { ok: true; signal: number } | { ok: false; message: SignalArgumentMessage };

const DIGITS_RE = /^[0-9]+$/;

/**
 * A signal argument (`service.signal`, `signal.clear`): absent or empty → "Expected signal
 * argument"; first byte a digit → a decimal 0..65535 with nothing after it, else "Invalid
 * signal number"; otherwise a name of SIGNAL_TABLE. Deliberate fix of the 1.1 accident: an unknown
 * name is "Invalid signal argument" (1.1 silently used signal 0).
 */
export function parseSignalArgument(s: string | undefined): SignalArgument {
	if (s === undefined || s.length === 0) {
		return { ok: false, message: MSG.expectedSignal };
	}
	const c = s.charCodeAt(0);
	if (c >= 0x30 && c <= 0x39) {
		if (!DIGITS_RE.test(s)) {
			return { ok: false, message: MSG.invalidSignalNumber };
		}
		// Exact up to 2^53 and monotonic beyond, so the range check is right for any length;
		// leading zeros are accepted ("0009" is 9), as strtol does.
		const n = Number(s);
		return n <= MAX_SIGNAL_NUMBER ? { ok: true, signal: n } : { ok: false, message: MSG.invalidSignalNumber };
	}
	const n = signalNumber(s);
	return n === undefined ? { ok: false, message: MSG.invalidSignalArgument } : { ok: true, signal: n };
}

/**
 * service.auto_up trigger names: `always`, or a SIGNAL_TABLE name with or without `SIG`.
 * Numbers are not accepted. Returns undefined for anything else (absent, empty, unknown).
 */
export function parseTriggerName(s: string | undefined): number | 'always' | undefined {
	if (s === undefined) {
		return undefined;
	}
	return s === 'always' ? 'always' : signalNumber(s);
}
