// A Clock for unit tests (src/supervisor/ports.ts): time moves only when the test says so, and
// timers fire in due order as it passes them. No real timer is ever set, so no test sleeps.

import type { CancelTimer, Clock } from '../../../src/supervisor/ports.js';

interface Timer {
	readonly due: number;
	readonly order: number;
	readonly fire: () => void;
}

export class FakeClock implements Clock {
	#now: number;
	#order = 0;
	readonly #timers = new Set<Timer>();

	constructor(start = 1_000_000) {
		this.#now = start;
	}

	now(): number {
		return this.#now;
	}

	setTimer(ms: number, fire: () => void): CancelTimer {
		const timer = { due: this.#now + Math.max(ms, 0), order: this.#order++, fire };
		this.#timers.add(timer);
		return () => this.#timers.delete(timer);
	}

	/** Timers still waiting. */
	get pending(): number {
		return this.#timers.size;
	}

	/** Move time forward by `ms` (0: one loop turn), firing each timer as its due time is reached. */
	advance(ms = 0): void {
		const target = this.#now + ms;
		for (;;) {
			let next: Timer | undefined;
			for (const timer of this.#timers) {
				if (
					timer.due <= target &&
					(!next || timer.due < next.due || (timer.due === next.due && timer.order < next.order))
				)
					next = timer;
			}
			if (!next) break;
			this.#timers.delete(next);
			this.#now = Math.max(this.#now, next.due);
			next.fire();
		}
		this.#now = target;
	}
}
