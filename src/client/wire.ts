// What the client puts on the wire and how it reads what comes back (daemonproxy(8), THE PROTOCOL):
// field checks, the request line with its tag, and the classification of a received line into
// tag, sequence number and body. Pure functions over strings; each line's format and parser is in
// ../protocol (request-tag.ts, stream-lines.ts, access-lines.ts), this only applies them.
// Must never let a TAB, LF or other control byte into a field: the wire has no quoting.

import { MAX_LINE_BYTES } from '../protocol/line-splitter.js';
import { isValidTag, parseRequestTag, tagLine } from '../protocol/request-tag.js';
import { parseSeqReply, parseSequencedLine } from '../protocol/stream-lines.js';
import { ArgumentError } from './errors.js';

/** Bytes 0x00–0x1f and 0x7f: TAB and LF would split the line; the client refuses the rest too, so a typo cannot send a control byte the daemon would pass on. */
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
 * byte or the line, with `reserve` bytes for a tag, passes the daemon's limit (1023 bytes).
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
	/** The request tag without ':', or null for an untagged line. */
	readonly tag: string | null;
	/** The `@SEQ` of an event, or null. */
	readonly seq: number | null;
	/** The line without tag and sequence fields. */
	readonly body: string;
}

/** Splits `:TAG\t@SEQ\tBODY` (both prefixes optional). A malformed tag leaves the line untagged. */
export function classifyLine(line: string): IncomingLine {
	const parsed = parseRequestTag(line);
	// A first field that is not a valid tag is part of the body (no daemon tags a line so).
	const tag = 'error' in parsed ? null : parsed.tag;
	const rest = 'error' in parsed ? line : parsed.rest;
	const sequenced = parseSequencedLine(rest);
	return sequenced === null ? { tag, seq: null, body: rest } : { tag, seq: sequenced.seq, body: sequenced.rest };
}

/**
 * Reply lines that come before a tagged request's terminal line whatever their shape: one for an
 * `echo` with text (`echo` alone replies nothing). A tagged `echo\tok` is answered
 * `:T\tok` twice, the reply then the terminal line, so its first line must not be taken for the
 * terminal. Every other command's reply lines start with a name that is neither `ok` nor `error`.
 */
export function leadingReplies(fields: readonly string[]): number {
	return fields[0] === 'echo' && fields.slice(1).join('\t') !== '' ? 1 : 0;
}

/** A 1.1 error reply: the text after `error\t`, or null. */
export function errorText(line: string): string | null {
	return line.startsWith('error\t') ? line.slice(6) : null;
}

/**
 * A 1.1 accident (daemonproxy(8), COMPATIBILITY): the `unknown flag` error arrives split, its
 * second line starting so.
 */
export function isErrorContinuation(line: string): boolean {
	return line.startsWith(', for command "');
}

/** The `events.seq on` reply among a reply's lines: the newest number and the stream id. */
export function seqOnReply(lines: readonly string[]): { newest: number; stream: string | null } | null {
	for (const line of lines) {
		const reply = parseSeqReply(line);
		if (reply?.mode === 'on') return { newest: reply.newest, stream: reply.stream };
	}
	return null;
}
