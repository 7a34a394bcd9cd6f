// What the controller, signal and logger-chain tests share about the services they run: scanning a
// daemon's output with a cursor of their own, the pid of an `up` event, a process's state, and
// reading a file a service writes.

import { readFileSync } from 'node:fs';
import type { LineReader } from './line-reader.js';
import { DEFAULT_TIMEOUT_MS } from './poll.js';
import { procStatFields } from './processes.js';

/** Scans everything a LineReader has seen, with its own cursor (never consumes the reader's lines). */
export class EventScan {
	readonly #reader: LineReader;
	readonly #tail: number;
	#index: number;

	/**
	 * Scans from `seen[from]`: 0, the current end (`true`), or an index. `tail` is how many of the
	 * last lines seen a timeout's message shows.
	 */
	constructor(reader: LineReader, from: boolean | number = false, tail = 8) {
		this.#reader = reader;
		this.#tail = tail;
		this.#index = from === true ? reader.seen.length : from === false ? 0 : from;
	}

	/** Index in `seen` just after the last match. */
	get position(): number {
		return this.#index;
	}

	/** The next line from here on that matches; waits for it (woken by each line that arrives). */
	next(pattern: RegExp, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
		return this.#reader.until(
			() => {
				const { seen } = this.#reader;
				while (this.#index < seen.length) {
					const line = seen[this.#index++] ?? '';
					if (pattern.test(line)) return line;
				}
				return undefined;
			},
			() => `a line matching ${String(pattern)}; last seen: ${JSON.stringify(this.#reader.seen.slice(-this.#tail))}`,
			timeoutMs,
		);
	}
}

/** The pid of a `service.state NAME up TS PID …` line. */
export const pidOf = (upLine: string): number => Number(upLine.split('\t')[4]);

/** The state letter of `pid` from /proc/PID/stat (R, S, T, Z, …), or 'gone'. */
export function processState(pid: number): string {
	const fields = procStatFields(pid);
	return fields === undefined ? 'gone' : (fields[0] ?? '?');
}

/** A file's text (latin1), or '' while it does not exist. */
export function readText(path: string): string {
	try {
		return readFileSync(path, 'latin1');
	} catch {
		return '';
	}
}
