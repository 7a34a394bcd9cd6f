// Cuts one captured stream's bytes into lines (daemonproxy(8), SERVICE OUTPUT): a line ends at LF;
// a line longer than MAX_OUTPUT_LINE_BYTES is cut into pieces of that size; each line becomes
// escaped text (for the ring and the wire), and the bytes of the lines completed by a chunk are
// handed on as they were written (for forwarding to a logger unchanged).
// Invariant: the partial line held between chunks is shorter than MAX_OUTPUT_LINE_BYTES, so memory
// is bounded whatever a service writes. Pure: no I/O. Hot path: one string copy and one regular
// expression test per line when it needs no escaping (the common case).

import { isUtf8 } from 'node:buffer';

/** A captured line is at most this many bytes before escaping; longer lines are split. */
export const MAX_OUTPUT_LINE_BYTES = 2048;

const LF = 0x0a;
const NEEDS_ESCAPE_RE = /[\x00-\x1f\x7f\\\x80-\xff]/;
const CONTROL_RE = /[\x00-\x1f\x7f\\]/g;
const HIGH_RE = /[\x80-\xff]/g;
const NAMED: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\r': '\\r' };

function escapeByte(char: string): string {
	return NAMED[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * A line's bytes as wire text (latin1, one char per byte): `\` as `\\`, TAB and CR as `\t` and
 * `\r`, other controls and DEL as `\xHH`; bytes of 0x80 and up stay when the line is valid UTF-8,
 * else they are written `\xHH` too (binary output).
 */
export function escapeOutput(bytes: Buffer): string {
	return escapeLatin1(bytes.toString('latin1'), bytes);
}

/** escapeOutput of a line already read as latin1 (`bytes` is consulted only when it has high bytes). */
function escapeLatin1(latin1: string, bytes: Buffer): string {
	if (!NEEDS_ESCAPE_RE.test(latin1)) return latin1;
	const controls = latin1.replace(CONTROL_RE, escapeByte);
	return isUtf8(bytes) ? controls : controls.replace(HIGH_RE, escapeByte);
}

export interface Assembled {
	/** The lines completed, escaped. */
	readonly texts: string[];
	/** Their bytes as written, LFs included (empty when no line was completed). */
	readonly raw: Buffer;
}

const NONE: Assembled = { texts: [], raw: Buffer.alloc(0) };

export class LineAssembler {
	#partial: Buffer | null = null;

	/** The complete lines in `chunk` (with what was held before it); keeps an unfinished end. */
	push(chunk: Buffer): Assembled {
		const data = this.#partial === null ? chunk : Buffer.concat([this.#partial, chunk]);
		this.#partial = null;
		const texts: string[] = [];
		let start = 0;
		while (start < data.length) {
			const lf = data.indexOf(LF, start);
			const end = lf < 0 ? data.length : lf;
			if (end - start >= MAX_OUTPUT_LINE_BYTES) {
				texts.push(text(data, start, start + MAX_OUTPUT_LINE_BYTES));
				start += MAX_OUTPUT_LINE_BYTES;
				continue;
			}
			if (lf < 0) {
				// Copied: `data` may be a large read buffer that should not stay alive for a few bytes.
				this.#partial = Buffer.from(data.subarray(start));
				break;
			}
			texts.push(text(data, start, lf));
			start = lf + 1;
		}
		return texts.length === 0 ? NONE : { texts, raw: data.subarray(0, start) };
	}

	/** The held partial line as a line of its own (the writer exited); null when none. */
	flush(): Assembled | null {
		const partial = this.#partial;
		this.#partial = null;
		return partial === null ? null : { texts: [escapeOutput(partial)], raw: partial };
	}
}

/** One string copy per line; the line's bytes are looked at again only when it needs escaping. */
function text(data: Buffer, start: number, end: number): string {
	return escapeLatin1(data.toString('latin1', start, end), data.subarray(start, end));
}
