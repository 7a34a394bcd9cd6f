// Pending counts of the signals the daemon catches; pure bookkeeping, no I/O.
// Invariant: `seq` grows with every arrival, so two arrivals never share an ordering key even
// when they share a whole-second timestamp. Counts never go below zero.

import type { SignalEvent } from '../protocol/events.js';
import { signalName } from '../protocol/signals.js';

export interface SignalCounter {
	readonly signal: number;
	readonly count: number;
	/** Monotonic ms of the most recent arrival. */
	readonly last: number;
	/** Arrival order of the most recent arrival (daemon-wide, starts at 1). */
	readonly seq: number;
}

export class SignalCounters {
	readonly #counters = new Map<number, SignalCounter>();
	#seq = 0;

	arrive(signal: number, now: number): SignalCounter {
		const previous = this.#counters.get(signal);
		const counter = { signal, count: (previous?.count ?? 0) + 1, last: now, seq: ++this.#seq };
		this.#counters.set(signal, counter);
		return counter;
	}

	/** Subtract `count` (≥ 0), clamping at zero (signal.clear). */
	clear(signal: number, count: bigint): void {
		const previous = this.#counters.get(signal);
		if (!previous) return;
		const left = BigInt(previous.count) - count;
		this.#counters.set(signal, { ...previous, count: left > 0n ? Number(left) : 0 });
	}

	pending(signal: number): number {
		return this.#counters.get(signal)?.count ?? 0;
	}

	/** Signals with a non-zero count, oldest arrival first, as a statedump lists them. */
	pendingList(): SignalCounter[] {
		return [...this.#counters.values()].filter(c => c.count > 0).sort((a, b) => a.seq - b.seq);
	}

	/** Pending signals that arrived after `mark` (a seq), oldest first. */
	newerThan(mark: number): SignalCounter[] {
		return this.pendingList().filter(c => c.seq > mark);
	}

	get newestSeq(): number {
		return this.#seq;
	}
}

/** The `signal` event line of a counter: its name, last arrival in whole seconds, and count. */
export function signalEvent(counter: SignalCounter): SignalEvent {
	return {
		type: 'signal',
		signal: signalName(counter.signal),
		ts: Math.floor(counter.last / 1000),
		count: counter.count,
	};
}
