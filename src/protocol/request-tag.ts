// Owns correlated requests (see Request tags in daemonproxy(8)): the optional leading `:TAG`
// field of a command line, the tagging of the lines sent back to its issuer, the terminal line
// that ends a tagged request, and how a daemon without tags (1.1) answers one.
// Invariant: a line whose first byte is not ':' is untouched (1.1 behaviour, no 1.1 command
// starts with ':'). Must never accept a tag outside 1–32 bytes of [A-Za-z0-9._-].

import { unknownCommand } from './replies.js';

export const MAX_TAG_BYTES = 32;
export const INVALID_REQUEST_TAG = 'invalid request tag';

export type RequestTagResult =
	{ tag: string; rest: string } | { tag: null; rest: string } | { error: typeof INVALID_REQUEST_TAG };

const TAG_RE = /^[A-Za-z0-9._-]{1,32}$/;

/** Whether `tag` (without its ':') is a valid request tag. */
export function isValidTag(tag: string): boolean {
	return TAG_RE.test(tag);
}

/**
 * Splits `:TAG\t<rest>` into the tag (without ':') and the command line after the tag field
 * and its TAB. A lone `:TAG` gives rest ''. An untagged line comes back whole with tag null.
 * A first field starting with ':' that is not a valid tag is an error (answered untagged).
 */
export function parseRequestTag(line: string): RequestTagResult {
	if (line.charCodeAt(0) !== 0x3a) {
		return { tag: null, rest: line };
	}
	const tab = line.indexOf('\t');
	const tag = tab < 0 ? line.slice(1) : line.slice(1, tab);
	// Check the length first so a long first field never reaches the regex.
	if (tag.length > MAX_TAG_BYTES || !TAG_RE.test(tag)) {
		return { error: INVALID_REQUEST_TAG };
	}
	return { tag, rest: tab < 0 ? '' : line.slice(tab + 1) };
}

/** `:TAG\t<line>`: a line sent to the issuer of a tagged request. */
export function tagLine(tag: string, line: string): string {
	return `:${tag}\t${line}`;
}

/** How a tagged request ended. */
export type Terminal = { ok: true } | { ok: false; detail: string };

/** The last line of a tagged request: `:TAG\tok`, or `:TAG\terror\tMESSAGE` when it failed. */
export function terminalLine(tag: string, failure: string | null): string {
	return tagLine(tag, failure === null ? 'ok' : `error\t${failure}`);
}

/** A terminal line after its `:TAG` field: `ok` or `error\tMESSAGE`; null for any other line. */
export function parseTerminal(body: string): Terminal | null {
	if (body === 'ok') return { ok: true };
	if (body === 'error') return { ok: false, detail: '' };
	if (body.startsWith('error\t')) return { ok: false, detail: body.slice(6) };
	return null;
}

/** What a daemon without request tags (1.1) answers a tagged line: its first field is no command. */
const UNKNOWN_TAG_PREFIX = unknownCommand(':');

/** The TAG of `error\tUnknown command: :TAG`, the answer of a daemon without tags; else null. */
export function parseUnknownTagReply(line: string): string | null {
	if (!line.startsWith(UNKNOWN_TAG_PREFIX)) return null;
	const tag = line.slice(UNKNOWN_TAG_PREFIX.length);
	return tag.length <= MAX_TAG_BYTES && isValidTag(tag) ? tag : null;
}
