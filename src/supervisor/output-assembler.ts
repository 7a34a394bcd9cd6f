// Cuts one captured stream's bytes into lines (daemonproxy(8), SERVICE OUTPUT): a line ends at LF;
// a line longer than MAX_OUTPUT_LINE_BYTES is cut into pieces of that size; each line is kept both
// as its raw bytes (for forwarding to a logger unchanged) and as escaped text (for the ring and
// the wire). Invariant: the partial line held between chunks is shorter than MAX_OUTPUT_LINE_BYTES,
// so memory is bounded whatever a service writes. Pure: no I/O.

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
export function escapeOutput(bytes: Uint8Array): string {
	const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
	if (!NEEDS_ESCAPE_RE.test(latin1)) return latin1;
	const controls = latin1.replace(CONTROL_RE, escapeByte);
	return isUtf8(bytes) ? controls : controls.replace(HIGH_RE, escapeByte);
}

export interface AssembledLine {
	/** The line's bytes without its LF. */
	readonly raw: Buffer;
	readonly text: string;
}

export class LineAssembler {
	#partial: Buffer | null = null;

	/** Whether part of a line is held, waiting for its end. */
	get pending(): boolean {
		return this.#partial !== null;
	}

	/** The complete lines in `chunk` (with what was held before it); keeps an unfinished end. */
	push(chunk: Buffer): AssembledLine[] {
		const data = this.#partial === null ? chunk : Buffer.concat([this.#partial, chunk]);
		this.#partial = null;
		const lines: AssembledLine[] = [];
		let start = 0;
		while (start < data.length) {
			const lf = data.indexOf(LF, start);
			const end = lf < 0 ? data.length : lf;
			if (end - start >= MAX_OUTPUT_LINE_BYTES) {
				lines.push(line(data.subarray(start, start + MAX_OUTPUT_LINE_BYTES)));
				start += MAX_OUTPUT_LINE_BYTES;
				continue;
			}
			if (lf < 0) {
				// Copied: `data` may be a large read buffer that should not stay alive for a few bytes.
				this.#partial = Buffer.from(data.subarray(start));
				break;
			}
			lines.push(line(data.subarray(start, lf)));
			start = lf + 1;
		}
		return lines;
	}

	/** The held partial line as a line of its own (the writer exited, or is gone); null when none. */
	flush(): AssembledLine | null {
		const partial = this.#partial;
		this.#partial = null;
		return partial === null ? null : line(partial);
	}
}

function line(raw: Buffer): AssembledLine {
	return { raw, text: escapeOutput(raw) };
}
