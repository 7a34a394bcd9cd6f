// What the supervisor core needs from the world, as interfaces: the clock (with timers), the
// process host (spawn, signal, process trees) and the closing of descriptors. The daemon plugs in the real
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

/** The credentials of `service.user`, resolved when the command was given. */
export interface ServiceUser {
	/** USER[:GROUP] as given. */
	readonly spec: string;
	readonly uid: number;
	readonly gid: number;
	/** Supplementary groups: those /etc/group lists USER in, plus GID. */
	readonly groups: readonly number[];
}

/** What a child is given at start: the descriptor list resolved to our fds. */
export interface SpawnPlan {
	readonly argv: readonly string[];
	/** fds[i] becomes the child's descriptor i; -1 = closed. */
	readonly fds: readonly number[];
	/** KEY=VALUE entries added to (or replacing in) the daemon's own environment. */
	readonly env: readonly string[];
	/** The service it runs: names its cgroup. */
	readonly service: string;
	/** Run as this user (null: the daemon's credentials). */
	readonly user: ServiceUser | null;
}

export type SpawnOutcome =
	{ readonly ok: true; readonly pid: number } | { readonly ok: false; readonly code: string; readonly message: string };

/** A process of a service's tree. */
export interface TreeProcess {
	readonly pid: number;
	/** Its name (/proc/PID/comm). */
	readonly command: string;
}

/** What a service's tree costs; null where unknown (no cgroup, or the controller is absent). */
export interface TreeUsage {
	readonly cgroup: string | null;
	readonly cpuUsec: number | null;
	readonly memoryBytes: number | null;
}

/**
 * Children run in their own session (the process group and session ids are the main pid), and
 * in their own cgroup when the host has one: that is a service's tree. `leader` is the main pid
 * of the run whose tree is meant (the group's id outlives the main process while members remain).
 */
export interface ProcessHost {
	spawn(plan: SpawnPlan): SpawnOutcome;
	/** Throws an Error whose `message` is the strerror text. */
	kill(pid: number, signal: number): void;
	/** The live processes of the tree, ascending by pid. */
	tree(service: string, leader: number): TreeProcess[];
	/** Sends `signal` to every process of the tree (SIGKILL: cgroup.kill where there is one). */
	signalTree(service: string, leader: number, signal: number): void;
	usage(service: string): TreeUsage;
	/** The service was deleted: its cgroup goes (when empty). */
	release(service: string): void;
}

/** A child that ended, as waitpid reported it: exactly one of code and signal is set. */
export interface ChildExit {
	readonly pid: number;
	readonly code: number | null;
	readonly signal: number | null;
}

/** Closes a descriptor the core owns (a replaced or deleted handle's). */
export type CloseFd = (fd: number) => void;
