// What the client puts on the wire and how it reads what comes back (spec §2, design §3–§4):
// field checks, the request line with its tag, and the classification of a received line into
// tag, sequence number and body. Pure functions over strings; the codec itself is ../protocol.
// Must never let a TAB, LF or other control byte into a field: the wire has no quoting (§2.1).

import { MAX_LINE_BYTES } from '../protocol/line-splitter.js';
import { isValidTag, tagLine } from '../protocol/request-tag.js';
import { ArgumentError } from './errors.js';

/** Bytes 0x00–0x1f and 0x7f: TAB and LF would split the line, the rest are reserved (§2.1). */
const FIELD_CONTROL_RE = /[\x00-\x1f\x7f]/;

/** `\t`, `\n`, `\x1b`: how a control byte is named in messages. */
export function visibleControl(ch: string): string {
	const code = ch.charCodeAt(0);
	if (code === 9) return '\\t';
	if (code === 10) return '\\n';
	if (code === 13) return '\\r';
	return `\\x${code.toString(16).padStart(2, '0')}`;
}

/** The first field with a control byte, described, or null when every field may be sent. */
export function findBadField(fields: readonly string[]): string | null {
	for (const [i, field] of fields.entries()) {
		const match = FIELD_CONTROL_RE.exec(field);
		if (match) {
			const what = i === 0 ? 'the command' : `argument ${i}`;
			return `${what} contains a control character (${visibleControl(match[0])}), which the protocol cannot carry`;
		}
	}
	return null;
}

/**
 * One command line from its fields (without LF). Throws ArgumentError when a field holds a control
 * byte or the line, with `reserve` bytes for a tag, passes the daemon's limit (§2.2).
 */
export function commandLine(fields: readonly string[], encoding: BufferEncoding, reserve = 0): string {
	if (fields.length === 0 || fields[0] === '') throw new ArgumentError('empty command');
	const bad = findBadField(fields);
	if (bad !== null) throw new ArgumentError(bad);
	const line = fields.join('\t');
	const bytes = Buffer.byteLength(line, encoding);
	if (bytes + reserve > MAX_LINE_BYTES) {
		throw new ArgumentError(`command line too long: ${bytes} bytes, the limit is ${MAX_LINE_BYTES - reserve}`);
	}
	return line;
}

/** Bytes a tag adds to a line: `:` TAG TAB. */
export function tagOverhead(tag: string): number {
	return tag.length + 2;
}

export function taggedLine(tag: string, line: string): string {
	if (!isValidTag(tag)) throw new RangeError(`invalid request tag ${JSON.stringify(tag)}`);
	return tagLine(tag, line);
}

export interface IncomingLine {
	/** The request tag (design §4) without ':', or null for an untagged line. */
	readonly tag: string | null;
	/** The `@SEQ` of an event (design §3), or null. */
	readonly seq: number | null;
	/** The line without tag and sequence fields. */
	readonly body: string;
}

const SEQ_RE = /^@([0-9]{1,15})(?:\t|$)/;

/** Splits `:TAG\t@SEQ\tBODY` (both prefixes optional). A malformed tag leaves the line untagged. */
export function classifyLine(line: string): IncomingLine {
	let tag: string | null = null;
	let rest = line;
	if (line.charCodeAt(0) === 0x3a) {
		const tab = line.indexOf('\t');
		const candidate = tab < 0 ? line.slice(1) : line.slice(1, tab);
		if (isValidTag(candidate)) {
			tag = candidate;
			rest = tab < 0 ? '' : line.slice(tab + 1);
		}
	}
	const m = SEQ_RE.exec(rest);
	if (!m) return { tag, seq: null, body: rest };
	return { tag, seq: Number(m[1]), body: rest.slice(m[0].length) };
}

export type Terminal = { ok: true } | { ok: false; detail: string };

/** A tagged request's terminal line (design §4): `ok` or `error\tMESSAGE`; null for any other body. */
export function terminalOf(body: string): Terminal | null {
	if (body === 'ok') return { ok: true };
	if (body === 'error') return { ok: false, detail: '' };
	if (body.startsWith('error\t')) return { ok: false, detail: body.slice(6) };
	return null;
}

/**
 * Reply lines that come before a tagged request's terminal line whatever their shape: one for an
 * `echo` with text (spec §7.1: `echo` alone replies nothing). A tagged `echo\tok` is answered
 * `:T\tok` twice, the reply then the terminal line, so its first line must not be taken for the
 * terminal. Every other command's reply lines start with a name that is neither `ok` nor `error`.
 */
export function leadingReplies(fields: readonly string[]): number {
	return fields[0] === 'echo' && fields.slice(1).join('\t') !== '' ? 1 : 0;
}

/** A 1.1 error reply (spec §5): the text after `error\t`, or null. */
export function errorText(line: string): string | null {
	return line.startsWith('error\t') ? line.slice(6) : null;
}

/** Spec §5.1 [accident]: the `unknown flag` error arrives split, its second line starting so. */
export function isErrorContinuation(line: string): boolean {
	return line.startsWith(', for command "');
}

/** The answer of a daemon without request tags to our first tagged line (spec §5.2). */
export function isUnknownTagReply(line: string, tag: string): boolean {
	return line === `error\tUnknown command: :${tag}`;
}

/** design §3: the `events.gap` answer of `events.resume`. */
export function isGapLine(body: string): boolean {
	return body === 'events.gap' || body.startsWith('events.gap\t');
}

const DUMP_END_RE = /^statedump[A-Za-z0-9._-]*(?:\t|$)/;
const DECIMAL_RE = /^@?([0-9]{1,15})$/;

/**
 * design §3: in sequence mode, `statedump` ends with a line carrying the sequence number the dump
 * reflects. Accepted shapes: `statedump…\tSEQ` (the number in any field, `@` optional), or a
 * sequenced `@SEQ\tstatedump…` line. Returns the number, or null when the body is not one.
 */
export function dumpTerminatorSeq(incoming: IncomingLine): number | null {
	if (!DUMP_END_RE.test(incoming.body)) return null;
	const fields = incoming.body.split('\t').slice(1);
	for (let i = fields.length - 1; i >= 0; i--) {
		const m = DECIMAL_RE.exec(fields[i] ?? '');
		if (m) return Number(m[1]);
	}
	return incoming.seq;
}

/** design §3: the reply of `events.seq on`, `events.seq\ton\tNEWEST\tSTREAM`. */
export function seqOnReply(lines: readonly string[]): { newest: number; stream: string | null } | null {
	for (const line of lines) {
		const f = line.split('\t');
		if (f[0] === 'events.seq' && f[1] === 'on' && /^[0-9]{1,15}$/.test(f[2] ?? '')) {
			return { newest: Number(f[2]), stream: f[3] ? f[3] : null };
		}
	}
	return null;
}

/** design §3: the end of a replay, `events.live\tNEWEST` (live delivery continues after it). */
export function liveLineSeq(body: string): number | null {
	const m = /^events\.live\t([0-9]{1,15})$/.exec(body);
	return m ? Number(m[1]) : null;
}
