// Owns the field-level rules of the line protocol (daemonproxy(8), THE PROTOCOL): splitting,
// ignored lines, the name rule and the integer syntax. Pure functions over latin1 strings.
// Invariant: absent (undefined) and empty ('') fields stay distinguishable to callers.
// Must never trim, unescape or re-encode bytes: the wire has no quoting.

/** Names are 0–31 bytes; 32 or more is "Invalid …". */
export const MAX_NAME_BYTES = 31;

const NAME_RE = /^[A-Za-z0-9._-]+$/;
const IGNORED_RE = /^[ \t\r\0]*$/;
const INTEGER_RE = /^-?[0-9]+$/;
const CONTROL_RE = /[\x00-\x08\x0a-\x1f]/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Fields are separated by single TABs; empty fields are kept (`a\t\tb` is three fields)
 * and a trailing TAB makes a present-but-empty last field. The empty line is one empty field.
 */
export function splitFields(line: string): string[] {
	return line.split('\t');
}

/**
 * The text after the first `count` fields and their TABs, verbatim (TABs included), or
 * undefined when the line has fewer than `count` TABs. `echo` replies with restOfLine(line, 1).
 */
export function restOfLine(line: string, count: number): string | undefined {
	let pos = 0;
	for (let i = 0; i < count; i++) {
		const tab = line.indexOf('\t', pos);
		if (tab < 0) {
			return undefined;
		}
		pos = tab + 1;
	}
	return line.slice(pos);
}

/**
 * A comment (first byte `#`) or a line of only spaces, TABs, CR and NUL (including the
 * empty line). Leading whitespace before anything else does NOT make a line ignored.
 */
export function isIgnoredLine(line: string): boolean {
	return line.charCodeAt(0) === 0x23 || IGNORED_RE.test(line);
}

export type NameCheck = 'ok' | 'absent' | 'invalid';

/**
 * The name rule, shared by services and handles: 1–31 bytes of [A-Za-z0-9._-].
 * 'absent' (undefined or empty) maps to the command's "Expected …" message, 'invalid' to
 * its "Invalid …" message.
 */
export function checkName(s: string | undefined): NameCheck {
	if (s === undefined || s.length === 0) {
		return 'absent';
	}
	return s.length <= MAX_NAME_BYTES && NAME_RE.test(s) ? 'ok' : 'invalid';
}

/**
 * Integers: an optional '-' then one or more ASCII digits, nothing else (no '+', spaces,
 * hex or fraction). 1.1 wraps silently on 64-bit overflow (an accident); we instead return null
 * for values outside the signed 64-bit range, so the caller answers "Expected integer" rather
 * than acting on a wrapped value. Leading zeros are accepted ("007" is 7; "-0" is 0).
 */
export function parseInteger(s: string | undefined): bigint | null {
	if (s === undefined || !INTEGER_RE.test(s)) {
		return null;
	}
	const value = BigInt(s);
	return value < INT64_MIN || value > INT64_MAX ? null : value;
}

/** Bytes below 32 other than TAB: exported for clients that check a field before sending it. */
export function hasControlBytes(s: string): boolean {
	return CONTROL_RE.test(s);
}

/**
 * A string Node decoded from the operating system (an argv element, an environment value, a path
 * such as process.execPath) as a wire string: its UTF-8 bytes, one char per byte. Node decodes
 * those as UTF-8, so without this `é` would reach a system call as the one byte 0xE9.
 */
export function wireFromArg(arg: string): string {
	return Buffer.from(arg, 'utf8').toString('latin1');
}
