// Owns the log lines of refusals (daemonproxy(8), LOGGING): refused connections and denied
// commands are logged at most once per uid per interval, and what was held back is counted and
// logged as one summary line per uid when the interval ends. Pure over the Clock port.
// Invariants: memory is bounded by maxUids entries per interval (uids beyond share one entry);
// never more than two lines per tracked uid per interval, however fast the refusals come.

import type { CancelTimer, Clock } from '../supervisor/ports.js';

export interface RefusalLogOptions {
	readonly intervalMs: number;
	/** Uids tracked per interval; refusals of further uids share one line and one count. */
	readonly maxUids: number;
}

/** Where the lines go: the daemon's logger at level warning. */
export type WarningSink = (text: string) => void;

/** Stands for every uid beyond maxUids in one interval. */
const OTHERS = -1;

export class RefusalLog {
	readonly #warn: WarningSink;
	readonly #clock: Clock;
	readonly #options: RefusalLogOptions;
	/** Refusals held back this interval, per uid (OTHERS: the uids beyond maxUids). */
	readonly #held = new Map<number, number>();
	#cancel: CancelTimer | null = null;

	constructor(warn: WarningSink, clock: Clock, options: RefusalLogOptions) {
		this.#warn = warn;
		this.#clock = clock;
		this.#options = options;
	}

	/** Uids tracked in this interval (for tests: it never exceeds maxUids + 1). */
	get tracked(): number {
		return this.#held.size;
	}

	/** Logs `text` unless a refusal of `uid` was already logged in this interval; then counts it. */
	refused(uid: number, text: string): void {
		const key = this.#held.has(uid) || this.#held.size < this.#options.maxUids ? uid : OTHERS;
		const held = this.#held.get(key);
		if (held !== undefined) {
			this.#held.set(key, held + 1);
			return;
		}
		this.#held.set(key, 0);
		this.#cancel ??= this.#clock.setTimer(this.#options.intervalMs, () => this.#endInterval());
		this.#warn(key === OTHERS ? `${text} (and refusals of more uids, logged as one)` : text);
	}

	/** Logs what is held back now (daemon exit); the next refusal starts a new interval. */
	flush(): void {
		this.#cancel?.();
		this.#endInterval();
	}

	#endInterval(): void {
		this.#cancel = null;
		const seconds = Math.round(this.#options.intervalMs / 1000);
		for (const [uid, held] of this.#held) {
			if (held === 0) continue;
			const who = uid === OTHERS ? 'other uids' : `uid ${uid}`;
			this.#warn(`${held} more refusals of ${who} in the last ${seconds} s were not logged`);
		}
		this.#held.clear();
	}
}
