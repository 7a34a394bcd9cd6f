// The supervisor's ports (src/supervisor/ports.ts) on the real system: the monotonic clock with
// libuv timers, spawn, kill(2) and process trees (cgroup or process group) through the OS layer,
// close(2). A child inherits the daemon's environment, plus what service.env and service.notify add.

import * as sys from '../os/sys.js';
import type { CgroupTree } from '../os/cgroup.js';
import { processName, scanGroups } from '../os/process-scan.js';
import type {
	Clock,
	CloseFd,
	ProcessHost,
	SpawnOutcome,
	SpawnPlan,
	TreeProcess,
	TreeUsage,
} from '../supervisor/ports.js';

export const systemClock: Clock = {
	now: sys.monotonicMs,
	setTimer(ms, fire) {
		if (ms <= 0) {
			// setImmediate, not setTimeout(0): the latter costs a millisecond of restart latency.
			const handle = setImmediate(fire);
			return () => clearImmediate(handle);
		}
		const handle = setTimeout(fire, ms);
		return () => clearTimeout(handle);
	},
};

/**
 * The daemon's environment now (latin1 wire text: one char per byte) with `extra` KEY=VALUE
 * entries added; an extra key replaces the daemon's, a later extra an earlier one.
 */
export function childEnvironment(extra: readonly string[]): string[] {
	const env = new Map<string, string>();
	const bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
	for (const [key, value] of Object.entries(process.env)) {
		if (value !== undefined) env.set(bytes(key), `${bytes(key)}=${bytes(value)}`);
	}
	for (const entry of extra) env.set(entry.slice(0, entry.indexOf('=')), entry);
	return [...env.values()];
}

/**
 * The real process host. Without a cgroup a tree is the process group and session of the main
 * pid (found by scanning /proc); with one (useCgroup), the service's cgroup, joined before exec.
 */
export class SystemHost implements ProcessHost {
	#cgroup: CgroupTree | null = null;
	/** One /proc scan serves every lookup of the same loop turn (service.tree of many services). */
	#scan: Map<number, number[]> | null = null;

	useCgroup(tree: CgroupTree): void {
		this.#cgroup = tree;
	}

	spawn(plan: SpawnPlan): SpawnOutcome {
		let procsFd = -1;
		try {
			if (this.#cgroup) procsFd = this.#cgroup.openProcs(plan.service);
			const { user } = plan;
			const pid = sys.spawn({
				file: plan.argv[0] ?? '',
				argv: [...plan.argv],
				fds: [...plan.fds],
				newSession: true,
				...(plan.env.length === 0 ? {} : { env: childEnvironment(plan.env) }),
				cgroupProcsFd: procsFd,
				...(user ? { credentials: { uid: user.uid, gid: user.gid, groups: [...user.groups] } } : {}),
			});
			return { ok: true, pid };
		} catch (error: unknown) {
			const { code = 'EIO', message, syscall } = error as sys.SysError;
			// Exec failures keep 1.1's plain strerror text; the other steps say which one failed.
			return {
				ok: false,
				code,
				message: syscall === 'spawn' || syscall === undefined ? message : `${syscall}: ${message}`,
			};
		} finally {
			if (procsFd >= 0) sys.close(procsFd);
		}
	}

	kill(pid: number, signal: number): void {
		sys.kill(pid, signal);
	}

	tree(service: string, leader: number): TreeProcess[] {
		const pids = this.#cgroup ? this.#cgroup.pids(service) : this.#group(leader);
		return pids.map(pid => ({ pid, command: processName(pid) }));
	}

	signalTree(service: string, leader: number, signal: number): void {
		if (this.#cgroup) {
			if (signal === SIGKILL && this.#cgroup.killAll(service)) return;
			for (const pid of this.#cgroup.pids(service)) tryKill(pid, signal);
			return;
		}
		// The group first (one call reaches all of it), then members of the session in other groups.
		tryKill(-leader, signal);
		this.#scan = null;
		for (const pid of this.#group(leader)) tryKill(pid, signal);
		this.#scan = null;
	}

	usage(service: string): TreeUsage {
		if (!this.#cgroup) return { cgroup: null, cpuUsec: null, memoryBytes: null };
		return { cgroup: this.#cgroup.path(service), ...this.#cgroup.usage(service) };
	}

	release(service: string): void {
		this.#cgroup?.remove(service);
	}

	#group(id: number): number[] {
		if (this.#scan === null) {
			this.#scan = scanGroups();
			setImmediate(() => {
				this.#scan = null;
			});
		}
		return this.#scan.get(id) ?? [];
	}
}

const SIGKILL = 9;

/** A process that is gone already (ESRCH) is not an error when signalling a tree. */
function tryKill(pid: number, signal: number): void {
	try {
		sys.kill(pid, signal);
	} catch {
		// ESRCH: it ended meanwhile.
	}
}

export const closeFd: CloseFd = fd => sys.close(fd);
