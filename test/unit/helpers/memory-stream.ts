// An in-memory ByteStream (src/server/byte-stream.ts) for unit tests, with the peer's end in the
// test's hands: the peer types bytes, ends or breaks its side, and reads what was written. Like
// FdStream, writes go to a bounded "kernel buffer" first and queue past it; blockedSinceMs comes
// from a fake clock; after destroy() nothing is written and no handler is called.

import type { ByteStream } from '../../../src/server/byte-stream.js';
import type { FakeClock } from './fake-clock.js';

/** What the stream reports to its owner (a Controller has these methods). */
export interface StreamHandlers {
	onData(data: Buffer, fds: readonly number[]): void;
	onEnd(): void;
	onError(error: Error): void;
	onWriteError(error: Error): void;
	onDrain(): void;
}

export class MemoryStream implements ByteStream {
	readonly #clock: FakeClock;
	/** Bytes the peer's side holds before writes start to queue (a socket buffer). */
	readonly #capacity: number;
	#room: number;
	/** Accepted bytes the peer has not read yet. */
	#unread: Buffer[] = [];
	#queue: Buffer[] = [];
	#pending = 0;
	#blockedSince: number | null = null;
	#handlers: StreamHandlers | null = null;
	#writeFailed = false;
	/** pauseReading() was called more recently than resumeReading(). */
	paused = false;
	/** How many times destroy() was called. */
	destroyCalls = 0;

	constructor(clock: FakeClock, room = Number.POSITIVE_INFINITY) {
		this.#clock = clock;
		this.#capacity = room;
		this.#room = room;
	}

	/** Who hears of data, EOF, errors and drains (the controller). */
	connect(handlers: StreamHandlers): void {
		this.#handlers = handlers;
	}

	get destroyed(): boolean {
		return this.destroyCalls > 0;
	}

	// ---- ByteStream ---------------------------------------------------------------------

	get pendingBytes(): number {
		return this.#pending;
	}

	get blockedSinceMs(): number | null {
		return this.#blockedSince;
	}

	write(data: Uint8Array): void {
		if (this.destroyed || this.#writeFailed || data.length === 0) return;
		const bytes = Buffer.from(data);
		if (this.#pending > 0) {
			this.#queue.push(bytes);
			this.#pending += bytes.length;
			return;
		}
		const taken = Math.min(this.#room, bytes.length);
		this.#accept(bytes.subarray(0, taken));
		if (taken === bytes.length) return;
		this.#queue.push(bytes.subarray(taken));
		this.#pending = bytes.length - taken;
		this.#blockedSince = this.#clock.now();
	}

	pauseReading(): void {
		this.paused = true;
	}

	resumeReading(): void {
		this.paused = false;
	}

	destroy(): void {
		this.destroyCalls++;
		this.#queue = [];
		this.#pending = 0;
		this.#blockedSince = null;
	}

	// ---- the peer's end -----------------------------------------------------------------

	/** The peer sends bytes (latin1 text), with descriptors as SCM_RIGHTS would bring them. */
	type(text: string, fds: readonly number[] = []): void {
		if (!this.destroyed) this.#handlers?.onData(Buffer.from(text, 'latin1'), fds);
	}

	/** The peer shuts down its writing side: EOF. */
	end(): void {
		if (!this.destroyed) this.#handlers?.onEnd();
	}

	/** A read error (or any error of a write-only stream): the stream stops. */
	fail(message = 'Connection reset by peer', code?: string): void {
		if (this.destroyed) return;
		this.#queue = [];
		this.#pending = 0;
		this.#blockedSince = null;
		this.#handlers?.onError(Object.assign(new Error(message), code === undefined ? {} : { code }));
	}

	/** A write fails while reading goes on (EPIPE): queued and later output is discarded. */
	failWrite(message = 'Broken pipe'): void {
		if (this.destroyed) return;
		this.#writeFailed = true;
		this.#queue = [];
		this.#pending = 0;
		this.#blockedSince = null;
		this.#handlers?.onWriteError(new Error(message));
	}

	/**
	 * The peer reads until nothing is left: what the buffer holds and what was queued, then what
	 * the owner writes on the drain (FdStream calls onDrain when its queue empties). Returns the text.
	 */
	read(): string {
		let text = '';
		for (;;) {
			const chunks = [...this.#unread, ...this.#queue];
			if (chunks.length === 0) return text;
			const drained = this.#pending > 0;
			this.#unread = [];
			this.#queue = [];
			this.#room = this.#capacity;
			this.#pending = 0;
			this.#blockedSince = null;
			text += Buffer.concat(chunks).toString('latin1');
			if (drained) this.#handlers?.onDrain();
		}
	}

	/** read(), split into lines (the last LF is required). */
	readLines(): string[] {
		const text = this.read();
		if (text === '') return [];
		if (!text.endsWith('\n')) throw new Error(`unterminated output: ${JSON.stringify(text)}`);
		return text.slice(0, -1).split('\n');
	}

	#accept(bytes: Buffer): void {
		if (bytes.length === 0) return;
		this.#unread.push(bytes);
		this.#room -= bytes.length;
	}
}
