// Owns the daemon's log (daemonproxy(8), LOGGING): level filter, line format, a bounded queue
// and the "lost N log messages" accounting in front of a non-blocking sink.
// Invariants: memory stays under maxBufferBytes; lines are whole and in order on one sink; a
// blocked or absent sink never blocks or throws into the caller. Never does I/O except sink.write.

import { escapeLogText } from '../protocol/log-escape.js';

export const LOG_LEVELS = ['none', 'trace', 'debug', 'info', 'warning', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type MessageLevel = Exclude<LogLevel, 'none'>;

export interface LogSink {
	/** Writes without blocking: bytes written (possibly fewer than offered), or null = would block. */
	write(data: Uint8Array): number | null;
	/** Calls back once when a write may succeed again. */
	onWritable(callback: () => void): void;
}

export const DEFAULT_LOG_BUFFER_BYTES = 65536;
/** Room for the longest possible `warning: lost N log messages` line. */
export const MIN_LOG_BUFFER_BYTES = 64;
const DEFAULT_FILTER: LogLevel = 'debug';
/** Upper bound for one write when draining a backlog of several lines. */
const COALESCE_BYTES = 16384;

/** log.filter levels: exact lower-case names only (`warn`, `INFO` → undefined). */
export function parseLogLevel(text: string): LogLevel | undefined {
	return (LOG_LEVELS as readonly string[]).includes(text) ? (text as LogLevel) : undefined;
}

function levelIndex(level: LogLevel): number {
	return LOG_LEVELS.indexOf(level);
}

export class Logger {
	readonly #maxBufferBytes: number;
	#filter: number;
	#sink: LogSink | null = null;
	/** Encoded lines not yet written; the head may be partly written (see #headOffset). */
	readonly #queue: Uint8Array[] = [];
	#headOffset = 0;
	/** The sink that received the first bytes of the head line, if any. */
	#headSink: LogSink | null = null;
	#pendingBytes = 0;
	/** Messages lost since the last `lost` line was queued. */
	#unreported = 0;
	#droppedTotal = 0;
	/** The sink we await onWritable from; callbacks from any other sink are stale. */
	#waitingOn: LogSink | null = null;
	#flushing = false;
	/** --log-timestamps: the wall clock (ms since the epoch) that stamps each line; null = no stamps. */
	#stamp: (() => number) | null = null;

	constructor(options: { maxBufferBytes?: number; filter?: LogLevel } = {}) {
		const max = options.maxBufferBytes ?? DEFAULT_LOG_BUFFER_BYTES;
		if (!Number.isSafeInteger(max) || max < MIN_LOG_BUFFER_BYTES) {
			throw new RangeError(`maxBufferBytes must be an integer >= ${MIN_LOG_BUFFER_BYTES}, got ${max}`);
		}
		this.#maxBufferBytes = max;
		this.#filter = levelIndex(options.filter ?? DEFAULT_FILTER);
	}

	/** Messages at or below the filter are suppressed. */
	get filter(): LogLevel {
		return LOG_LEVELS[this.#filter] ?? DEFAULT_FILTER;
	}

	set filter(level: LogLevel) {
		const index = levelIndex(level);
		if (index < 0) throw new RangeError(`unknown log level ${String(level)}`);
		this.#filter = index;
	}

	/** Start every line with the UTC time `2026-12-03T19:40:01.123Z ` from `clock`; null: no stamps (1.1). */
	setTimestamps(clock: (() => number) | null): void {
		this.#stamp = clock;
	}

	/** `log.filter +`/`-`, `-q`/`-v`: positive = quieter, saturating at `fatal` and `none`. */
	adjust(steps: number): void {
		this.#filter = Math.min(LOG_LEVELS.length - 1, Math.max(0, this.#filter + Math.trunc(steps)));
	}

	get droppedCount(): number {
		return this.#droppedTotal;
	}

	get pendingBytes(): number {
		return this.#pendingBytes;
	}

	/**
	 * Whether a message of `level` would be queued. `fatal` always is: 1.1 let `log.filter fatal`
	 * hide fatal messages, an accident we do not copy (daemonproxy(8), COMPATIBILITY).
	 */
	enabled(level: MessageLevel): boolean {
		return level === 'fatal' || levelIndex(level) > this.#filter;
	}

	/**
	 * Sets the destination; null pauses (messages accumulate, bounded). A line already partly
	 * written to one sink is never continued on another: its rest is dropped and counted.
	 */
	setSink(sink: LogSink | null): void {
		if (sink === this.#sink) return;
		this.#sink = sink;
		this.#waitingOn = null;
		this.#flush();
	}

	trace(text: string): void {
		this.log('trace', text);
	}
	debug(text: string): void {
		this.log('debug', text);
	}
	info(text: string): void {
		this.log('info', text);
	}
	warning(text: string): void {
		this.log('warning', text);
	}
	error(text: string): void {
		this.log('error', text);
	}
	fatal(text: string): void {
		this.log('fatal', text);
	}

	/**
	 * `<level>: <text>` + LF, text as latin1 and escaped (escapeLogText): an LF inside the text is
	 * written as `\n` so one message is always one line (1.1's stray LF after "Unexpected argument"
	 * is an accident), and no peer-supplied control byte reaches a terminal raw.
	 */
	log(level: MessageLevel, text: string): void {
		if (!this.enabled(level)) return;
		this.#reportLost();
		const stamp = this.#stamp === null ? '' : `${new Date(this.#stamp()).toISOString()} `;
		const line = Buffer.from(`${stamp}${level}: ${escapeLogText(text)}\n`, 'latin1');
		if (this.#unreported > 0 || !this.#enqueue(line)) this.#lose();
		this.#flush();
	}

	#lose(): void {
		this.#unreported++;
		this.#droppedTotal++;
	}

	#enqueue(line: Uint8Array): boolean {
		if (this.#pendingBytes + line.length > this.#maxBufferBytes) return false;
		this.#queue.push(line);
		this.#pendingBytes += line.length;
		return true;
	}

	/** Once there is room, the count of lost messages goes in before anything newer. */
	#reportLost(): number {
		if (this.#unreported === 0) return 0;
		const line = Buffer.from(`warning: lost ${this.#unreported} log messages\n`, 'latin1');
		if (!this.#enqueue(line)) return 0;
		this.#unreported = 0;
		return line.length;
	}

	/** Returns the number of unwritten bytes dropped. */
	#dropHead(): number {
		const head = this.#queue.shift();
		const dropped = head === undefined ? 0 : head.length - this.#headOffset;
		this.#pendingBytes -= dropped;
		this.#headOffset = 0;
		this.#headSink = null;
		return dropped;
	}

	/** Writes while the sink makes progress; on would-block, waits for onWritable. Never spins. */
	#flush(): void {
		if (this.#flushing) return; // re-entered from inside sink.write: the outer loop continues
		this.#flushing = true;
		try {
			this.#drain();
		} finally {
			this.#flushing = false;
		}
	}

	/**
	 * Writes at most what was queued when the drain began (plus its own lost lines): a sink that
	 * logs from inside write() cannot keep this loop alive; such lines wait for the next trigger.
	 */
	#drain(): void {
		let budget = this.#pendingBytes;
		while (budget > 0 || this.#unreported > 0) {
			const sink = this.#sink;
			if (sink === null || this.#waitingOn === sink) return;
			if (this.#headOffset > 0 && this.#headSink !== sink) {
				budget -= this.#dropHead();
				this.#lose();
			}
			budget += this.#reportLost();
			const head = this.#queue[0];
			if (head === undefined || budget <= 0) return;
			// Coalesce queued whole lines into one write, so a backlog drains in few system calls.
			const chunk = this.#queue.length === 1 ? head.subarray(this.#headOffset) : this.#coalesce();
			let written: number | null;
			try {
				written = sink.write(chunk);
			} catch {
				// A sink must not throw; if it does, treat it as gone (paused) rather than fail the caller.
				this.#sink = null;
				return;
			}
			if (written === null || written <= 0) {
				this.#waitingOn = sink;
				sink.onWritable(() => {
					if (this.#waitingOn !== sink) return;
					this.#waitingOn = null;
					this.#flush();
				});
				return;
			}
			written = Math.min(written, chunk.length);
			this.#consume(written, sink);
			budget -= written;
		}
	}

	/** The unwritten bytes of the first queued lines, up to COALESCE_BYTES (at least one line). */
	#coalesce(): Uint8Array {
		const parts: Uint8Array[] = [];
		let total = 0;
		for (const [index, line] of this.#queue.entries()) {
			const part = index === 0 ? line.subarray(this.#headOffset) : line;
			if (index > 0 && total + part.length > COALESCE_BYTES) break;
			parts.push(part);
			total += part.length;
		}
		return Buffer.concat(parts, total);
	}

	#consume(bytes: number, sink: LogSink): void {
		this.#pendingBytes -= bytes;
		let remaining = bytes;
		while (remaining > 0) {
			const head = this.#queue[0];
			if (head === undefined) break;
			const left = head.length - this.#headOffset;
			if (remaining < left) {
				this.#headOffset += remaining;
				this.#headSink = sink;
				return;
			}
			remaining -= left;
			this.#queue.shift();
			this.#headOffset = 0;
			this.#headSink = null;
		}
	}
}
