// One pending start timer per service, on the monotonic clock (wall-clock jumps change
// nothing). Invariant: at most one timer per name; a timer never fires before its due time by
// the Clock, even though libuv's coarse loop clock may wake us a little early.

import type { CancelTimer, Clock } from './ports.js';

/** setTimeout overflows above 2^31-1 ms; longer waits are done in steps. */
const MAX_TIMER_STEP_MS = 2 ** 30;

export class ServiceTimers {
	readonly #pending = new Map<string, CancelTimer>();
	readonly #clock: Clock;
	readonly #due: (name: string) => void;

	constructor(clock: Clock, due: (name: string) => void) {
		this.#clock = clock;
		this.#due = due;
	}

	set(name: string, at: number): void {
		this.cancel(name);
		const wait = at - this.#clock.now();
		const step = wait <= 0 ? 0 : Math.min(Math.ceil(wait), MAX_TIMER_STEP_MS);
		this.#pending.set(
			name,
			this.#clock.setTimer(step, () => this.#fire(name, at)),
		);
	}

	cancel(name: string): void {
		this.#pending.get(name)?.();
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
