// What the supervisor core needs from the world, as interfaces: the clock (with timers), the
// process host (spawn, signal) and the closing of descriptors. The daemon plugs in the real
// ones (src/daemon/system-ports.ts); unit tests plug in fakes, so the core runs without the
// compiled addon and its tests never sleep.

/** Cancels a pending timer; calling it after the timer fired, or twice, does nothing. */
export type CancelTimer = () => void;

export interface Clock {
	/** Monotonic milliseconds (CLOCK_MONOTONIC: the clock of the wire timestamps). */
	now(): number;
	/**
	 * Run `fire` once, `ms` milliseconds from now; `ms` ≤ 0 means on the next loop turn.
	 * A timer may fire a little early by now(): callers that care check the time again.
	 */
	setTimer(ms: number, fire: () => void): CancelTimer;
}

/** What a child is given at start: the descriptor list resolved to our fds. */
export interface SpawnPlan {
	readonly argv: readonly string[];
	/** fds[i] becomes the child's descriptor i; -1 = closed. */
	readonly fds: readonly number[];
	/** KEY=VALUE entries added to (or replacing in) the daemon's own environment. */
	readonly env: readonly string[];
}

export type SpawnOutcome =
	{ readonly ok: true; readonly pid: number } | { readonly ok: false; readonly code: string; readonly message: string };

export interface ProcessHost {
	spawn(plan: SpawnPlan): SpawnOutcome;
	/** Throws an Error whose `message` is the strerror text. */
	kill(pid: number, signal: number): void;
}

/** A child that ended, as waitpid reported it: exactly one of code and signal is set. */
export interface ChildExit {
	readonly pid: number;
	readonly code: number | null;
	readonly signal: number | null;
}

/** Closes a descriptor the core owns (a replaced or deleted handle's). */
export type CloseFd = (fd: number) => void;
