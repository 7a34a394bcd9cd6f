// One pending start timer per service, on the monotonic clock (design §5: wall-clock jumps change
// nothing). Invariant: at most one timer per name; a timer never fires before its due time by
// the Clock, even though libuv's coarse loop clock may wake us a little early.

import type { Clock } from './supervisor.js';

/** setTimeout overflows above 2^31-1 ms; longer waits are done in steps. */
const MAX_TIMER_STEP_MS = 2 ** 30;

type Pending = { kind: 'immediate'; handle: NodeJS.Immediate } | { kind: 'timeout'; handle: NodeJS.Timeout };

export class ServiceTimers {
	readonly #pending = new Map<string, Pending>();
	readonly #clock: Clock;
	readonly #due: (name: string) => void;

	constructor(clock: Clock, due: (name: string) => void) {
		this.#clock = clock;
		this.#due = due;
	}

	set(name: string, at: number): void {
		this.cancel(name);
		const wait = at - this.#clock.now();
		if (wait <= 0) {
			// setImmediate, not setTimeout(0): the latter costs a millisecond of restart latency.
			this.#pending.set(name, { kind: 'immediate', handle: setImmediate(() => this.#fire(name, at)) });
		} else {
			const step = Math.min(Math.ceil(wait), MAX_TIMER_STEP_MS);
			this.#pending.set(name, { kind: 'timeout', handle: setTimeout(() => this.#fire(name, at), step) });
		}
	}

	cancel(name: string): void {
		const pending = this.#pending.get(name);
		if (!pending) return;
		if (pending.kind === 'immediate') clearImmediate(pending.handle);
		else clearTimeout(pending.handle);
		this.#pending.delete(name);
	}

	#fire(name: string, at: number): void {
		this.#pending.delete(name);
		if (this.#clock.now() < at) {
			this.set(name, at);
			return;
		}
		this.#due(name);
	}
}
