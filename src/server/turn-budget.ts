// The loop-turn budget of streamed replies (statedump, events.resume), shared by every controller
// (daemonproxy(8), Back-pressure and overflow): at most so many lines are produced per turn of the
// event loop across all connections; a controller that finds the budget spent waits for the next
// turn, so a flood of long replies never holds up another client's `echo`. Waiters resume in
// arrival order. Reads no clock: `defer` (setImmediate in the daemon) marks the next turn.

export type Defer = (run: () => void) => void;

export class TurnBudget {
	readonly linesPerTurn: number;
	readonly #defer: Defer;
	#spent = 0;
	#resetScheduled = false;
	#waiters: (() => void)[] = [];

	constructor(linesPerTurn: number, defer: Defer = run => void setImmediate(run)) {
		this.linesPerTurn = linesPerTurn;
		this.#defer = defer;
	}

	/** Takes one line of this turn's budget; false when it is spent (then wait()). */
	take(): boolean {
		if (this.#spent >= this.linesPerTurn) {
			this.#scheduleReset();
			return false;
		}
		this.#spent++;
		this.#scheduleReset();
		return true;
	}

	/** Runs `resume` on a later turn, after the waiters already queued. */
	wait(resume: () => void): void {
		this.#waiters.push(resume);
		this.#scheduleReset();
	}

	#scheduleReset(): void {
		if (this.#resetScheduled) return;
		this.#resetScheduled = true;
		this.#defer(() => this.#reset());
	}

	#reset(): void {
		this.#resetScheduled = false;
		this.#spent = 0;
		const waiters = this.#waiters;
		this.#waiters = [];
		for (const resume of waiters) resume();
	}
}
