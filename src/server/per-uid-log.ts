// Log lines a peer can provoke at will, rate-limited per uid (daemonproxy(8), LOGGING): one
// instance for refusals (refused connections, denied commands), one for failed and unknown
// commands of socket peers. An entry of each uid is logged at most once per interval; what was
// held back is counted and logged as one summary line per uid when the interval ends. Pure over
// the Clock port. Invariants: memory is bounded by maxUids entries per interval (uids beyond
// share one entry); never more than one entry and one summary per tracked uid per interval,
// however fast the entries come.

import type { CancelTimer, Clock } from '../supervisor/ports.js';

export interface PerUidLogOptions {
	readonly intervalMs: number;
	/** Uids tracked per interval; entries of further uids share one line and one count. */
	readonly maxUids: number;
	/** What an entry is, in the summary line (`refusals`, `failed commands`). */
	readonly noun?: string;
}

/** Where the lines go: the daemon's logger, at the level of the entries. */
export type LogSink = (text: string) => void;

/** Stands for every uid beyond maxUids in one interval. */
const OTHERS = -1;

export class PerUidLog {
	readonly #write: LogSink;
	readonly #clock: Clock;
	readonly #options: PerUidLogOptions;
	readonly #noun: string;
	/** Refusals held back this interval, per uid (OTHERS: the uids beyond maxUids). */
	readonly #held = new Map<number, number>();
	#cancel: CancelTimer | null = null;

	constructor(warn: LogSink, clock: Clock, options: PerUidLogOptions) {
		this.#write = warn;
		this.#clock = clock;
		this.#options = options;
		this.#noun = options.noun ?? 'refusals';
	}

	/** Uids tracked in this interval (for tests: it never exceeds maxUids + 1). */
	get tracked(): number {
		return this.#held.size;
	}

	/** Logs the entry `lines` unless one of `uid` was already logged in this interval; then counts it. */
	note(uid: number, text: string, ...more: string[]): void {
		const key = this.#held.has(uid) || this.#held.size < this.#options.maxUids ? uid : OTHERS;
		const held = this.#held.get(key);
		if (held !== undefined) {
			this.#held.set(key, held + 1);
			return;
		}
		this.#held.set(key, 0);
		this.#cancel ??= this.#clock.setTimer(this.#options.intervalMs, () => this.#endInterval());
		this.#write(key === OTHERS ? `${text} (and ${this.#noun} of more uids, logged as one)` : text);
		for (const line of more) this.#write(line);
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
			this.#write(`${held} more ${this.#noun} of ${who} in the last ${seconds} s were not logged`);
		}
		this.#held.clear();
	}
}
