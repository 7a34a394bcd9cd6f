// The write queue of one FdStream: bytes accepted by write() and not yet taken by the kernel, in
// order, with the bookkeeping of partial writes and the merging of small chunks into one system
// call. Invariants: pendingBytes is exactly the bytes queued and not consumed; bytes come out in
// the order they went in; a message (dgram, seqpacket) is never merged with another. Pure: no fd,
// no system call (fd-stream.ts makes them); chunks are kept by reference, not copied.

/** Small chunks are merged into one write of up to about this many bytes. */
export const COALESCE_BYTES = 65536;
/** Consumed slots at the front are dropped once there are this many and they are most of the array. */
const COMPACT_AFTER_SLOTS = 1024;

const EMPTY = new Uint8Array(0);

export class WriteQueue {
	/** False where message boundaries matter (dgram, seqpacket sockets). */
	readonly #merge: boolean;
	#chunks: Uint8Array[] = [];
	/** Index of the first chunk not wholly sent; the slots before it are EMPTY. */
	#head = 0;
	/** Bytes of the head chunk already sent. */
	#offset = 0;
	#pending = 0;

	constructor(options: { merge: boolean }) {
		this.#merge = options.merge;
	}

	get pendingBytes(): number {
		return this.#pending;
	}

	/** Queues `data` by reference: the caller must not modify it afterwards. */
	push(data: Uint8Array): void {
		if (data.length === 0) return;
		this.#chunks.push(data);
		this.#pending += data.length;
	}

	/** The next bytes to send; small queued chunks are merged (in place) to save system calls. */
	head(): Uint8Array {
		const q = this.#chunks;
		const first = q[this.#head];
		if (first === undefined) throw new Error('WriteQueue: empty queue');
		const head = this.#offset > 0 ? first.subarray(this.#offset) : first;
		if (!this.#merge || head.length >= COALESCE_BYTES || this.#head + 1 >= q.length) return head;
		const parts: Uint8Array[] = [head];
		let total = head.length;
		let k = this.#head + 1;
		for (; k < q.length && total < COALESCE_BYTES; k++) {
			const next = q[k];
			if (next === undefined) break;
			parts.push(next);
			total += next.length;
		}
		const merged = Buffer.concat(parts, total);
		for (let j = this.#head; j < k - 1; j++) q[j] = EMPTY;
		q[k - 1] = merged;
		this.#head = k - 1;
		this.#offset = 0;
		return merged;
	}

	/** The kernel took the first `n` bytes of head(). */
	consume(n: number): void {
		this.#pending -= n;
		const q = this.#chunks;
		while (n > 0) {
			const head = q[this.#head];
			if (head === undefined) break;
			const avail = head.length - this.#offset;
			if (n < avail) {
				this.#offset += n;
				return;
			}
			n -= avail;
			q[this.#head] = EMPTY;
			this.#head++;
			this.#offset = 0;
		}
		if (this.#head > COMPACT_AFTER_SLOTS && this.#head * 2 > q.length) {
			this.#chunks = q.slice(this.#head);
			this.#head = 0;
		}
	}

	/** Drops everything queued. */
	clear(): void {
		this.#chunks = [];
		this.#head = 0;
		this.#offset = 0;
		this.#pending = 0;
	}
}
