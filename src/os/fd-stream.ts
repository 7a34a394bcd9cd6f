// FdStream: non-blocking reader/writer over one raw fd (tty, pipe, socket, or a regular file).
// Invariants: write() never blocks and keeps order (what waits is in write-queue.ts); onError fires
// at most once and stops the stream; a read callback reads at most READS_PER_EVENT chunks so the
// loop is never starved.
// Never closes the fd except in end() once the queue drained (then onClose tells the owner).
// Fits the control plane's ByteStream port (src/server/byte-stream.ts) by shape: the OS layer
// imports no layer above it.

import { constants } from 'node:os';

import { close, monotonicMs, probe, recvAs, sendAs, SysError, Watcher, type IoKind } from './sys.js';
import { WriteQueue } from './write-queue.js';

export interface FdStreamHandlers {
	/** Data (and, on unix sockets, received fds: close those you do not keep). */
	onData(data: Buffer, fds: number[]): void;
	/** End of file on the read side; reading stops. */
	onEnd(): void;
	/** The first I/O error (EPIPE, ECONNRESET, EIO…); the stream stops. The owner closes the fd. */
	onError(err: SysError): void;
	/**
	 * If given, a failed write on a stream that also reads (a socket whose peer is gone) only
	 * ends writing: queued and later output is discarded, and reading goes on to EOF, so the
	 * commands the peer sent before leaving still run.
	 */
	onWriteError?(err: SysError): void;
	/** The write queue became empty after having been non-empty. */
	onDrain?(): void;
	/** end() finished: the queue drained and the stream closed the fd. */
	onClose?(): void;
}

export interface FdStreamOptions {
	/** Read from the fd (default: when it was opened for reading). */
	read?: boolean;
	/** Allow write() (default: when it was opened for writing). */
	write?: boolean;
	/** Bytes per read (default 65536). */
	maxRead?: number;
}

const DEFAULT_MAX_READ_BYTES = 65536;
const READS_PER_EVENT = 4;
const WRITES_PER_EVENT = 16;
/** Retry delay when an unpollable fd (EPERM) refuses a write with EAGAIN: never spin. */
const UNPOLLABLE_RETRY_MS = 10;

export class FdStream {
	readonly fd: number;
	readonly #handlers: FdStreamHandlers;
	readonly #maxRead: number;
	readonly #kind: IoKind;
	/** dgram/seqpacket: message boundaries matter, so queued chunks are never merged. */
	readonly #messages: boolean;
	/** Bytes accepted by write() and not yet handed to the kernel. */
	readonly #queue: WriteQueue;
	readonly #canRead: boolean;
	readonly #canWrite: boolean;
	/** null when epoll refused the fd (EPERM): it is then always ready. */
	readonly #watcher: Watcher | null;

	#paused = false;
	#eof = false;
	#failed = false;
	/** Writing ended by an error while reading goes on (see onWriteError). */
	#writeFailed = false;
	#destroyed = false;
	#ending = false;
	#closed = false;

	#blockedSince: number | null = null;

	#readTimer: NodeJS.Immediate | null = null;
	#writeTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;

	constructor(fd: number, handlers: FdStreamHandlers, options: FdStreamOptions = {}) {
		const info = probe(fd);
		if (info === null) throw SysError.fromErrno(constants.errno.EBADF, 'probe');
		this.fd = fd;
		this.#handlers = handlers;
		this.#maxRead = options.maxRead ?? DEFAULT_MAX_READ_BYTES;
		this.#kind = info.kind === 'socket' ? 'socket' : 'plain';
		this.#messages = info.socket !== undefined && info.socket.type !== 'stream';
		this.#queue = new WriteQueue({ merge: !this.#messages });
		this.#canRead = options.read ?? info.access !== 'write';
		this.#canWrite = options.write ?? info.access !== 'read';
		let watcher: Watcher | null = null;
		try {
			watcher = new Watcher(fd, (readable, writable, error) => {
				this.#onEvent(readable, writable, error);
			});
		} catch (err) {
			if (!(err instanceof SysError) || err.code !== 'EPERM') throw err;
		}
		this.#watcher = watcher;
		this.#update();
	}

	/** Bytes accepted by write() and not yet handed to the kernel. */
	get pendingBytes(): number {
		return this.#queue.pendingBytes;
	}

	/** monotonicMs() when the queue last went from empty to blocked; null while it is empty. */
	get blockedSinceMs(): number | null {
		return this.#blockedSince;
	}

	/** Whether end() has closed the fd. */
	get closed(): boolean {
		return this.#closed;
	}

	/**
	 * Writes now as much as the kernel takes and queues the rest (by reference: do not modify
	 * `data` afterwards). Discarded after an error, end() or destroy().
	 */
	write(data: Uint8Array): void {
		if (!this.#canWrite) throw new Error(`FdStream ${this.fd}: not opened for writing`);
		if (this.#failed || this.#writeFailed || this.#destroyed || this.#ending || data.length === 0) return;
		if (this.#queue.pendingBytes > 0) {
			this.#queue.push(data);
			return;
		}
		let n: number | null;
		try {
			n = sendAs(this.fd, data, this.#kind);
		} catch (err) {
			this.#failWrite(err);
			return;
		}
		if (n === data.length) return;
		this.#queue.push(n === null || n === 0 ? data : data.subarray(n));
		this.#blockedSince = monotonicMs();
		this.#update();
	}

	/**
	 * Reads what is there now, without waiting for the poll (at most READS_PER_EVENT chunks, never
	 * blocking): an owner that must see a pipe's bytes before acting on another event calls it.
	 */
	readNow(): void {
		if (!this.#wantRead) return;
		this.#readSome();
		this.#update();
	}

	/** Stops reading until resumeReading(). */
	pauseReading(): void {
		this.#paused = true;
		this.#update();
	}

	resumeReading(): void {
		this.#paused = false;
		this.#update();
	}

	/** No more writes; once the queue is empty the stream stops and closes the fd (then onClose). */
	end(): void {
		if (this.#failed || this.#destroyed || this.#ending) return;
		this.#ending = true;
		if (this.#queue.pendingBytes === 0) this.#finish();
	}

	/** Stops watching now and drops the queue. Does not close the fd (unless end() already did). */
	destroy(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		this.#stop();
	}

	#stop(): void {
		this.#watcher?.close();
		if (this.#readTimer !== null) clearImmediate(this.#readTimer);
		if (this.#writeTimer !== null) {
			clearTimeout(this.#writeTimer as NodeJS.Timeout);
			clearImmediate(this.#writeTimer as NodeJS.Immediate);
		}
		this.#readTimer = null;
		this.#writeTimer = null;
		this.#queue.clear();
		this.#blockedSince = null;
	}

	#finish(): void {
		this.destroy();
		this.#closed = true;
		try {
			close(this.fd);
		} catch (err) {
			if (err instanceof SysError) {
				this.#handlers.onError(err);
				return;
			}
			throw err;
		}
		this.#handlers.onClose?.();
	}

	#failWrite(err: unknown): void {
		const onWriteError = this.#handlers.onWriteError;
		if (!(err instanceof SysError) || !onWriteError || !this.#canRead || this.#eof || this.#writeFailed) {
			this.#fail(err);
			return;
		}
		this.#writeFailed = true;
		this.#queue.clear();
		this.#blockedSince = null;
		this.#update();
		onWriteError(err);
	}

	#fail(err: unknown): void {
		if (!(err instanceof SysError)) throw err;
		if (this.#failed || this.#destroyed) return;
		this.#failed = true;
		this.#stop();
		this.#handlers.onError(err);
	}

	get #wantRead(): boolean {
		return this.#canRead && !this.#paused && !this.#eof && !this.#failed && !this.#destroyed;
	}

	/** Aligns polling (or the unpollable fallback timers) with what the stream needs now. */
	#update(): void {
		if (this.#failed || this.#destroyed) return;
		const read = this.#wantRead;
		const write = this.#queue.pendingBytes > 0;
		if (this.#watcher !== null) {
			this.#watcher.want(read, write);
			return;
		}
		// Unpollable fd (regular file, /dev/null…): always ready; take turns with the loop.
		if (read && this.#readTimer === null) {
			this.#readTimer = setImmediate(() => {
				this.#readTimer = null;
				this.#readSome();
				this.#update();
			});
		}
		if (write && this.#writeTimer === null) this.#scheduleUnpollableWrite(0);
	}

	#scheduleUnpollableWrite(delayMs: number): void {
		const run = (): void => {
			this.#writeTimer = null;
			const before = this.#queue.pendingBytes;
			this.#flush();
			const pending = this.#queue.pendingBytes;
			if (pending > 0 && !this.#failed && !this.#destroyed && this.#writeTimer === null) {
				this.#scheduleUnpollableWrite(pending === before ? UNPOLLABLE_RETRY_MS : 0);
			}
		};
		this.#writeTimer = delayMs > 0 ? setTimeout(run, delayMs) : setImmediate(run);
	}

	#onEvent(readable: boolean, writable: boolean, error: SysError | undefined): void {
		if (this.#destroyed || this.#failed) return;
		if (error !== undefined) {
			// POLLERR arrives as a bare error (libuv says EBADF) and stops the poll: the real cause
			// (EPIPE, ECONNRESET, EOF) shows on the next write or read, so try both first. Without
			// progress or a cause, report the poll error itself rather than spin.
			const before = this.#queue.pendingBytes;
			let progress = false;
			if (before > 0) {
				this.#flush();
				progress = this.#queue.pendingBytes < before;
			}
			if (this.#wantRead && this.#readSome() > 0) progress = true;
			if (this.#destroyed || this.#failed) return;
			if (!progress && (this.#queue.pendingBytes > 0 || this.#wantRead)) {
				this.#fail(error);
				return;
			}
			this.#update();
			return;
		}
		if (writable && this.#queue.pendingBytes > 0) this.#flush();
		if (readable && this.#wantRead) this.#readSome();
		this.#update();
	}

	/** Reads up to READS_PER_EVENT chunks; returns how many reads got something (data or EOF). */
	#readSome(): number {
		let done = 0;
		for (let i = 0; i < READS_PER_EVENT && this.#wantRead; i++) {
			let got: { data: Buffer; fds: number[] } | null;
			try {
				got = recvAs(this.fd, this.#maxRead, this.#kind);
			} catch (err) {
				this.#fail(err);
				return done;
			}
			if (got === null) return done;
			done++;
			if (got.data.length === 0 && got.fds.length === 0) {
				this.#eof = true;
				this.#update();
				this.#handlers.onEnd();
				return done;
			}
			this.#handlers.onData(got.data, got.fds);
			// A short read on a byte stream means the kernel buffer is (likely) empty now.
			if (!this.#messages && got.data.length < this.#maxRead) return done;
		}
		return done;
	}

	/** Hands queued bytes to the kernel until it would block. */
	#flush(): void {
		for (let i = 0; i < WRITES_PER_EVENT && this.#queue.pendingBytes > 0; i++) {
			const chunk = this.#queue.head();
			let n: number | null;
			try {
				n = sendAs(this.fd, chunk, this.#kind);
			} catch (err) {
				this.#failWrite(err);
				return;
			}
			if (n === null) break;
			this.#queue.consume(n);
			if (n < chunk.length) break;
		}
		if (this.#queue.pendingBytes > 0 || this.#failed || this.#destroyed) return;
		this.#queue.clear();
		this.#blockedSince = null;
		this.#update();
		if (this.#ending) {
			this.#finish();
			return;
		}
		this.#handlers.onDrain?.();
	}
}
