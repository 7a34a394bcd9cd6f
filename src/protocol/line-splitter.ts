// Owns input framing: bytes in, LF-terminated lines out as latin1 strings.
// Invariants: at most maxBytes bytes are ever buffered; an over-long line yields exactly one
// 'too-long' item when its LF arrives (none if it starts with '#'); CR is never stripped.
// Must never accumulate an over-long line, keep a reference to a caller's buffer, or loop per byte.

export const MAX_LINE_BYTES = 1023;

export type SplitItem = { kind: 'line'; line: string } | { kind: 'too-long' };

const LF = 0x0a;
const HASH = '#';

/** One shared object: the item carries no data, so no allocation per over-long line. */
const TOO_LONG: SplitItem = Object.freeze({ kind: 'too-long' }) as SplitItem;

export class LineSplitter {
	readonly #maxBytes: number;
	/** Start of the current line (latin1), only while it still fits in maxBytes. */
	#pending = '';
	/** True while skipping the rest of an over-long line up to its LF. */
	#discarding = false;
	/** Whether the line being discarded started with '#' (a long comment: no error). */
	#discardingComment = false;

	constructor(maxBytes: number = MAX_LINE_BYTES) {
		if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
			throw new RangeError(`maxBytes must be a positive integer, got ${String(maxBytes)}`);
		}
		this.#maxBytes = maxBytes;
	}

	/** Bytes held for the current unterminated line; never more than maxBytes. */
	get bufferedBytes(): number {
		return this.#pending.length;
	}

	/**
	 * Feeds a chunk and returns the complete lines it terminated, in order, without their LF.
	 * The chunk is decoded immediately, so the caller may reuse its buffer afterwards.
	 */
	push(chunk: Buffer | Uint8Array): SplitItem[] {
		const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		const out: SplitItem[] = [];
		const end = buf.length;
		let pos = 0;
		while (pos < end) {
			const lf = buf.indexOf(LF, pos);
			if (this.#discarding) {
				if (lf < 0) {
					return out; // the rest of this chunk belongs to the discarded line
				}
				if (!this.#discardingComment) {
					out.push(TOO_LONG);
				}
				this.#discarding = false;
				pos = lf + 1;
				continue;
			}
			if (lf < 0) {
				this.#keepPartial(buf, pos, end);
				return out;
			}
			const lineBytes = this.#pending.length + (lf - pos);
			if (lineBytes > this.#maxBytes) {
				if (this.#firstByte(buf, pos) !== HASH) {
					out.push(TOO_LONG);
				}
				this.#pending = '';
			} else {
				const line =
					this.#pending.length === 0
						? buf.toString('latin1', pos, lf)
						: this.#pending + buf.toString('latin1', pos, lf);
				this.#pending = '';
				out.push({ kind: 'line', line });
			}
			pos = lf + 1;
		}
		return out;
	}

	/**
	 * At EOF: returns the unterminated final line, if any (the caller decides per controller kind
	 * whether to run or drop it), or null. A partly received over-long line is dropped
	 * without a 'too-long' item, since its LF never came. The splitter is then empty and reusable.
	 */
	finish(): string | null {
		const rest = this.#discarding || this.#pending.length === 0 ? null : this.#pending;
		this.#pending = '';
		this.#discarding = false;
		this.#discardingComment = false;
		return rest;
	}

	/** Buffers buf[from, to) (no LF inside) or, if that would pass maxBytes, starts discarding. */
	#keepPartial(buf: Buffer, from: number, to: number): void {
		if (from === to) {
			return;
		}
		if (this.#pending.length + (to - from) > this.#maxBytes) {
			this.#discardingComment = this.#firstByte(buf, from) === HASH;
			this.#discarding = true;
			this.#pending = '';
			return;
		}
		this.#pending += buf.toString('latin1', from, to);
	}

	/** First byte of the current line: from the buffered part if any, else buf[pos]. */
	#firstByte(buf: Buffer, pos: number): string {
		if (this.#pending.length > 0) {
			return this.#pending.charAt(0);
		}
		return pos < buf.length ? String.fromCharCode(buf[pos] ?? 0) : '';
	}
}
