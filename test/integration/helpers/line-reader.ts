// LineReader: turns a byte stream (a daemon's stdout, a control socket) into protocol lines.
// Bytes are decoded as latin1 (one char per byte, nothing lost) and split on LF only; every line
// ever received stays in `seen`, and a cursor marks what the reader's callers have consumed.
// Every wait has a deadline, and its error names the stream and shows the last lines seen.
// Waits wake on the arrival of lines, never on a timer: one consuming read (next, waitFor,
// collectUntil) at a time, and any number of non-consuming ones (until, find) beside it.

import { DEFAULT_TIMEOUT_MS } from './poll.js';

/** An exact line, a RegExp tested against the line, or a function of the line. */
export type LinePredicate = string | RegExp | ((line: string) => boolean);

export type LineReaderErrorCode = 'ETIMEDOUT' | 'EOF';

export class LineReaderError extends Error {
	readonly code: LineReaderErrorCode;

	constructor(code: LineReaderErrorCode, message: string) {
		super(message);
		this.name = 'LineReaderError';
		this.code = code;
	}
}

const TAIL_LINES = 20;

function matcher(predicate: LinePredicate): (line: string) => boolean {
	if (typeof predicate === 'string') return line => line === predicate;
	if (predicate instanceof RegExp) {
		return line => {
			predicate.lastIndex = 0; // a /g or /y RegExp keeps state between test() calls
			return predicate.test(line);
		};
	}
	return predicate;
}

function describe(predicate: LinePredicate): string {
	if (typeof predicate === 'string') return `the line ${JSON.stringify(predicate)}`;
	if (predicate instanceof RegExp) return `a line matching ${String(predicate)}`;
	return `a line satisfying ${predicate.name || 'the predicate'}`;
}

export class LineReader {
	/** Every complete line received so far, consumed or not, in order. */
	readonly seen: string[] = [];
	/** Resolves when the stream ends, closes or fails (never rejects). */
	readonly ended: Promise<void>;
	readonly name: string;
	#cursor = 0;
	#partial = '';
	#done = false;
	#failure: Error | undefined;
	#wake: (() => void) | undefined;
	readonly #watchers = new Set<() => void>();

	constructor(stream: NodeJS.ReadableStream, name = 'stream') {
		this.name = name;
		let resolveEnded: () => void = () => {};
		this.ended = new Promise(resolve => {
			resolveEnded = resolve;
		});
		const finish = (error?: Error): void => {
			if (this.#done) return;
			this.#done = true;
			this.#failure = error;
			resolveEnded();
			this.#notify();
		};
		stream.on('data', (chunk: Buffer | string) => {
			const text = this.#partial + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
			const parts = text.split('\n');
			this.#partial = parts.pop() ?? '';
			if (parts.length === 0) return;
			for (const line of parts) this.seen.push(line);
			this.#notify();
		});
		stream.on('end', () => finish());
		stream.on('close', () => finish());
		// Listening here also keeps an EPIPE/ECONNRESET from becoming an uncaught exception.
		stream.on('error', (error: Error) => finish(error));
	}

	/** Bytes after the last LF (an unterminated final line), not yet part of `seen`. */
	get partial(): string {
		return this.#partial;
	}

	/** True once the stream has ended; buffered lines may still be unread. */
	get done(): boolean {
		return this.#done;
	}

	/** The next unread line. */
	next(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
		return this.#await('the next line', timeoutMs, () =>
			this.#cursor < this.seen.length ? this.seen[this.#cursor++] : undefined,
		);
	}

	/** Reads (and consumes) lines until one matches; returns the match. */
	waitFor(predicate: LinePredicate, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
		const matches = matcher(predicate);
		return this.#await(describe(predicate), timeoutMs, () => {
			while (this.#cursor < this.seen.length) {
				const line = this.seen[this.#cursor++] ?? '';
				if (matches(line)) return line;
			}
			return undefined;
		});
	}

	/** Reads lines until one matches; returns all of them, the match last. */
	collectUntil(predicate: LinePredicate, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string[]> {
		const start = this.#cursor;
		const matches = matcher(predicate);
		return this.#await(describe(predicate), timeoutMs, () => {
			while (this.#cursor < this.seen.length) {
				if (matches(this.seen[this.#cursor++] ?? '')) return this.seen.slice(start, this.#cursor);
			}
			return undefined;
		});
	}

	/**
	 * Waits, consuming nothing, until `attempt` returns a value: it runs now and again whenever
	 * lines arrive. Rejects at the deadline, or when the stream ends first. For scans with cursors
	 * of their own over `seen` (several services' events, in an order that is not defined).
	 */
	until<T>(attempt: () => T | undefined, what: string | (() => string), timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
		const describeWait = (): string => (typeof what === 'string' ? what : what());
		return new Promise<T>((resolve, reject) => {
			const settle = (): void => {
				clearTimeout(timer);
				this.#watchers.delete(check);
			};
			const timer = setTimeout(() => {
				settle();
				reject(this.#error('ETIMEDOUT', `timed out after ${timeoutMs} ms waiting for ${describeWait()}`));
			}, timeoutMs);
			const check = (): void => {
				let result: T | undefined;
				try {
					result = attempt();
				} catch (error: unknown) {
					settle();
					reject(error);
					return;
				}
				if (result !== undefined) {
					settle();
					resolve(result);
				} else if (this.#done) {
					settle();
					const cause = this.#failure ? ` (${this.#failure.message})` : '';
					reject(this.#error('EOF', `stream ended${cause} while waiting for ${describeWait()}`));
				}
			};
			this.#watchers.add(check);
			check();
		});
	}

	/** The first line of `seen` from index `from` on that matches; waits for it, consuming nothing. */
	find(predicate: LinePredicate, from = 0, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
		const matches = matcher(predicate);
		let index = from;
		return this.until(
			() => {
				while (index < this.seen.length) {
					const line = this.seen[index++] ?? '';
					if (matches(line)) return line;
				}
				return undefined;
			},
			describe(predicate),
			timeoutMs,
		);
	}

	// Wakes the pending read and every `until`.
	#notify(): void {
		this.#wake?.();
		for (const check of [...this.#watchers]) check();
	}

	// Runs `attempt` now and after every new line, until it returns a value, the stream ends, or
	// the deadline passes. One read at a time: two would race for the same lines.
	#await<T>(what: string, timeoutMs: number, attempt: () => T | undefined): Promise<T> {
		if (this.#wake) throw new Error(`LineReader(${this.name}): a read is already pending`);
		return new Promise<T>((resolve, reject) => {
			const settle = (): void => {
				clearTimeout(timer);
				this.#wake = undefined;
			};
			const timer = setTimeout(() => {
				settle();
				reject(this.#error('ETIMEDOUT', `timed out after ${timeoutMs} ms waiting for ${what}`));
			}, timeoutMs);
			const check = (): void => {
				let result: T | undefined;
				try {
					result = attempt();
				} catch (error: unknown) {
					settle();
					reject(error);
					return;
				}
				if (result !== undefined) {
					settle();
					resolve(result);
				} else if (this.#done) {
					settle();
					const cause = this.#failure ? ` (${this.#failure.message})` : '';
					reject(this.#error('EOF', `stream ended${cause} while waiting for ${what}`));
				}
			};
			this.#wake = check;
			check();
		});
	}

	#error(code: LineReaderErrorCode, message: string): LineReaderError {
		const tail = this.seen
			.slice(-TAIL_LINES)
			.map(line => `\n  ${JSON.stringify(line)}`)
			.join('');
		const partial = this.#partial === '' ? '' : `\nunterminated tail: ${JSON.stringify(this.#partial)}`;
		const shown = tail === '' ? '' : `; the last ${Math.min(TAIL_LINES, this.seen.length)}:`;
		return new LineReaderError(
			code,
			`LineReader(${this.name}): ${message}; ` +
				`${this.seen.length} lines seen, ${this.#cursor} consumed${shown}${tail}${partial}`,
		);
	}
}

let syncSeq = 0;

/**
 * Sends `line`, then `echo\t<unique token>` as a barrier (spec §2.5), and resolves with every line
 * that arrived before the token's echo.
 */
export async function commandVia(
	send: (line: string) => void,
	reader: LineReader,
	line: string,
	timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<string[]> {
	const token = `--harness-sync--\t${process.pid}.${++syncSeq}`;
	send(line);
	send(`echo\t${token}`);
	const lines = await reader.collectUntil(token, timeoutMs);
	lines.pop();
	return lines;
}
