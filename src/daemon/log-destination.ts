// Where the log goes (daemonproxy(8), LOGGING): descriptor 2 at startup (or the --log-file, opened
// again by log.reopen after a rotation), nowhere while -D waits for log.dest, then the handle
// called by log.dest, followed whenever it is replaced or deleted.
// Invariants: the logger's sink and the native fatal path's target always name the same
// destination; a sink is closed exactly once, when it is replaced. Never opens a handle itself.

import type { Handle } from '../supervisor/handle-table.js';
import type { Logger } from '../supervisor/logger.js';
import { FatalLogTarget } from './fatal-signals.js';
import { FdLogSink } from '../os/fd-log-sink.js';
import * as sys from '../os/sys.js';

/** Mode of a log file the daemon creates (before the umask). */
const LOG_FILE_MODE = 0o640;

export class LogDestination {
	readonly #log: Logger;
	/** The handle table's lookup; read when the destination may have moved. */
	readonly #handle: (name: string) => Handle | undefined;
	readonly #fatalLog = new FatalLogTarget();
	/** The handle named by log.dest; null until then. */
	#name: string | null = null;
	/** --log-file, until log.dest names a handle. */
	#path: string | null = null;
	#sink: FdLogSink | null = null;

	constructor(log: Logger, handle: (name: string) => Handle | undefined) {
		this.#log = log;
		this.#handle = handle;
	}

	/**
	 * log.dest: log to the handle called `name`, now and whenever it exists. False if it does not
	 * exist yet.
	 */
	follow(name: string): boolean {
		this.#name = name;
		this.#path = null;
		this.#refresh();
		return this.#handle(name) !== undefined;
	}

	/**
	 * --log-file, and log.reopen after a rotation: append to the file at `path` (created if
	 * missing). Returns the strerror text when it cannot be opened; the log stays where it was.
	 */
	toFile(path: string): string | null {
		let fd: number;
		try {
			fd = sys.openFile(
				path,
				{ read: false, write: true, append: true, create: true, trunc: false, nonblock: false },
				LOG_FILE_MODE,
			);
		} catch (error: unknown) {
			return (error as Error).message;
		}
		this.#path = path;
		this.#name = null;
		this.#replace(fd);
		sys.close(fd); // the sink and the fatal path hold their own duplicates
		return null;
	}

	/** The --log-file in use (null when the log goes elsewhere). */
	get path(): string | null {
		return this.#path;
	}

	/** Log to descriptor 2 until log.dest is used. */
	toStderr(): void {
		this.#replace(2);
	}

	/** -D: no destination until log.dest; messages wait in the logger's bounded buffer. */
	pause(): void {
		if (this.#name === null && this.#path === null) this.#replace(null);
	}

	/** The handle `name` changed or was deleted (fd.state, fd.deleted). */
	handleChanged(name: string): void {
		if (name === this.#name) this.#refresh();
	}

	#refresh(): void {
		if (this.#name === null) return;
		// Deferred: the handle table is mid-change when this is called from an event.
		queueMicrotask(() => {
			if (this.#name === null) return;
			this.#replace(this.#handle(this.#name)?.fd ?? null);
		});
	}

	#replace(fd: number | null): void {
		this.#sink?.close();
		this.#sink = null;
		if (fd !== null) {
			try {
				this.#sink = new FdLogSink(fd);
			} catch {
				this.#sink = null;
			}
		}
		this.#log.setSink(this.#sink);
		this.#fatalLog.replace(this.#sink === null ? null : fd);
	}
}
