// The log's way out (daemonproxy(8), LOGGING): a private non-blocking description of the
// destination fd, written only when the kernel says it is writable. A destination that stops
// reading costs the daemon nothing: the logger's bounded buffer fills and it counts what it drops.

import { close, probe, send, Watcher } from './sys.js';
import { openPrivateWriter } from './private-writer.js';

const SOCKET_RETRY_MS = 50;

/** Fits the logger's LogSink port (src/supervisor/logger.ts) by shape: the OS layer imports no layer above it. */
export class FdLogSink {
	readonly #fd: number;
	/** Created on the first EAGAIN: regular files cannot be polled, and never need to be. */
	#watcher: Watcher | null = null;
	#waiting: (() => void) | null = null;
	#broken = false;
	/**
	 * A socket is shared with whoever else holds it (a journal, a parent process) and polling
	 * would set O_NONBLOCK on it for all of them: retry on a timer instead.
	 */
	readonly #socket: boolean;
	#retry: NodeJS.Timeout | null = null;

	constructor(fd: number) {
		this.#fd = openPrivateWriter(fd);
		this.#socket = probe(this.#fd)?.kind === 'socket';
	}

	write(data: Uint8Array): number | null {
		if (this.#broken) return data.length;
		try {
			return send(this.#fd, data);
		} catch {
			// EPIPE, EBADF, ENOSPC (/dev/full): the message is lost; the logger must not spin on it.
			return data.length;
		}
	}

	onWritable(callback: () => void): void {
		this.#waiting = callback;
		if (this.#socket) {
			this.#retry ??= setTimeout(() => {
				this.#retry = null;
				const waiting = this.#waiting;
				this.#waiting = null;
				waiting?.();
			}, SOCKET_RETRY_MS);
			return;
		}
		this.#watcher ??= new Watcher(this.#fd, (_readable, writable, error) => {
			if (!writable && !error) return;
			this.#watcher?.want(false, false);
			const waiting = this.#waiting;
			this.#waiting = null;
			waiting?.();
		});
		this.#watcher.want(false, true);
	}

	close(): void {
		this.#broken = true;
		if (this.#retry !== null) clearTimeout(this.#retry);
		this.#watcher?.close();
		close(this.#fd);
	}
}
