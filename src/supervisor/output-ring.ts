// The bounded ring of one service's captured lines (daemonproxy(8), SERVICE OUTPUT): numbered from 1
// in capture order across every run of the service, the oldest dropped when it is full.
// Invariants: at most `capacity` lines are held; numbers are gap-free and increasing, so a line
// is found by its number in O(1) and a follower resumes after the last number it saw. Pure.

import type { OutputLine, OutputStream } from '../protocol/output-lines.js';

/** Lines kept per service unless `--output-lines` or `service.output_ring` says otherwise. */
export const DEFAULT_OUTPUT_LINES = 1000;
/** Upper bound of a ring's size, so a typo cannot reserve gigabytes. */
export const MAX_OUTPUT_LINES = 1_000_000;

export class OutputRing {
	readonly service: string;
	#slots: (OutputLine | undefined)[];
	/** Number of the newest line (0: none yet). */
	#newest = 0;
	#count = 0;

	constructor(service: string, capacity: number) {
		this.service = service;
		this.#slots = new Array<OutputLine | undefined>(Math.max(1, capacity));
	}

	get capacity(): number {
		return this.#slots.length;
	}

	get newestSeq(): number {
		return this.#newest;
	}

	/** Number of the oldest line held; newestSeq + 1 when the ring is empty. */
	get oldestSeq(): number {
		return this.#newest - this.#count + 1;
	}

	push(stream: OutputStream, timeMs: number, text: string): OutputLine {
		const line: OutputLine = { service: this.service, seq: ++this.#newest, timeMs, stream, text };
		this.#slots[this.#newest % this.#slots.length] = line;
		if (this.#count < this.#slots.length) this.#count++;
		return line;
	}

	/** The line numbered `seq`, if still held. */
	get(seq: number): OutputLine | undefined {
		if (seq < this.oldestSeq || seq > this.#newest) return undefined;
		return this.#slots[seq % this.#slots.length];
	}

	/** The newest `count` lines, oldest first. */
	last(count: number): OutputLine[] {
		const from = Math.max(this.oldestSeq, this.#newest - count + 1);
		const lines: OutputLine[] = [];
		for (let seq = from; seq <= this.#newest; seq++) lines.push(this.get(seq) as OutputLine);
		return lines;
	}

	/** Keeps the newest lines that fit in `capacity`. */
	resize(capacity: number): void {
		const size = Math.max(1, capacity);
		if (size === this.#slots.length) return;
		const kept = this.last(size);
		this.#slots = new Array<OutputLine | undefined>(size);
		for (const line of kept) this.#slots[line.seq % size] = line;
		this.#count = kept.length;
	}
}
