// Owns the daemon's cgroup v2 subtree (daemonproxy(8), SERVICES, Process trees): PATH/daemon holds the daemon
// itself (cgroup v2 lets only leaves hold processes once controllers are enabled), PATH/services/NAME
// one service each. Invariants: every file read or written here is a small cgroupfs file (never
// blocks); a failure is a SysError or an Error naming the path. Must never kill outside PATH.

import { accessSync, constants, mkdirSync, readFileSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import * as sys from './sys.js';

/** statfs f_type of cgroup2 (CGROUP2_SUPER_MAGIC). */
const CGROUP2_MAGIC = 0x63677270;

/** CPU and memory of one cgroup; null where the file (the controller) is absent. */
export interface CgroupUsage {
	readonly cpuUsec: number | null;
	readonly memoryBytes: number | null;
}

function isCgroup2(path: string): boolean {
	try {
		return statfsSync(path).type === CGROUP2_MAGIC;
	} catch {
		return false;
	}
}

/**
 * The cgroup the daemon may use when no --cgroup PATH was given: its own, if that is a writable
 * cgroup v2 directory that was delegated to it (systemd's `trusted.delegate`/`user.delegate`
 * xattr is not visible to Node, so: owned by the daemon's uid when not root) or the root of a
 * cgroup namespace in a container where the daemon is process 1. Null otherwise.
 */
export function detectDelegatedCgroup(mount = '/sys/fs/cgroup'): string | null {
	let own: string | undefined;
	try {
		own = /^0::(\/.*)$/m.exec(readFileSync('/proc/self/cgroup', 'latin1'))?.[1];
	} catch {
		return null;
	}
	if (own === undefined || !isCgroup2(mount)) return null;
	const path = own === '/' ? mount : `${mount}${own}`;
	try {
		accessSync(`${path}/cgroup.procs`, constants.W_OK);
		accessSync(path, constants.W_OK);
	} catch {
		return null;
	}
	const uid = process.getuid?.() ?? 0;
	if (uid !== 0) return path;
	return own === '/' && process.pid === 1 ? path : null;
}

export class CgroupTree {
	readonly root: string;
	/** Controllers enabled for the services (of cpu, memory, pids: those the parent offers). */
	readonly controllers: readonly string[];

	/**
	 * Takes PATH (created if missing; its parent must be cgroup v2), moves the daemon into
	 * PATH/daemon and enables what it can of cpu, memory and pids for PATH/services/*. Throws an
	 * Error naming the path and the cause.
	 */
	constructor(root: string) {
		const clean = root.replace(/\/+$/, '') || '/';
		const step = (what: string, fn: () => void): void => {
			try {
				fn();
			} catch (error: unknown) {
				throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
			}
		};
		const parent = clean.slice(0, clean.lastIndexOf('/')) || '/';
		if (!isCgroup2(clean) && !isCgroup2(parent)) throw new Error(`${clean} is not in a cgroup v2 hierarchy`);
		step(`cannot create ${clean}`, () => mkdirIfMissing(clean));
		this.root = clean;
		step(`cannot create ${clean}/daemon`, () => mkdirIfMissing(`${clean}/daemon`));
		step(`cannot move the daemon into ${clean}/daemon`, () =>
			writeFileSync(`${clean}/daemon/cgroup.procs`, String(process.pid)),
		);
		step(`cannot create ${clean}/services`, () => mkdirIfMissing(`${clean}/services`));
		const offered = readWords(`${clean}/cgroup.controllers`);
		const wanted = ['cpu', 'memory', 'pids'].filter(c => offered.includes(c));
		const enabled: string[] = [];
		for (const c of wanted) {
			try {
				writeFileSync(`${clean}/cgroup.subtree_control`, `+${c}`);
				writeFileSync(`${clean}/services/cgroup.subtree_control`, `+${c}`);
				enabled.push(c);
			} catch {
				// Best effort: a controller held by a sibling's threaded subtree, or not delegated.
			}
		}
		this.controllers = enabled;
	}

	/** The cgroup of service `name` (names are [A-Za-z0-9._-]: safe as a file name). */
	path(name: string): string {
		return `${this.root}/services/${name}`;
	}

	/** Creates the service's cgroup if needed and opens its cgroup.procs for the spawn. */
	openProcs(name: string): number {
		mkdirIfMissing(this.path(name));
		return sys.openFile(`${this.path(name)}/cgroup.procs`, {
			read: false,
			write: true,
			append: false,
			create: false,
			trunc: false,
			nonblock: false,
		});
	}

	/** The live processes in the service's cgroup (none when it does not exist). */
	pids(name: string): number[] {
		try {
			return readWords(`${this.path(name)}/cgroup.procs`).map(Number);
		} catch {
			return [];
		}
	}

	/** SIGKILL to every process of the cgroup at once (cgroup.kill, Linux 5.14); false when unavailable. */
	killAll(name: string): boolean {
		try {
			writeFileSync(`${this.path(name)}/cgroup.kill`, '1');
			return true;
		} catch {
			return false;
		}
	}

	/** CPU time from cpu.stat (always there in cgroup v2), memory from memory.current (its controller). */
	usage(name: string): CgroupUsage {
		const dir = this.path(name);
		const cpu = /^usage_usec (\d+)$/m.exec(readOptional(`${dir}/cpu.stat`) ?? '')?.[1];
		const memory = readOptional(`${dir}/memory.current`)?.trim();
		return {
			cpuUsec: cpu === undefined ? null : Number(cpu),
			memoryBytes: memory === undefined || !/^\d+$/.test(memory) ? null : Number(memory),
		};
	}

	/** Removes the service's cgroup; fails quietly while processes remain (EBUSY) or when it is gone. */
	remove(name: string): void {
		try {
			rmdirSync(this.path(name));
		} catch {
			// EBUSY: its processes outlive the service; ENOENT: it never ran.
		}
	}
}

/** The file's text, or null when it cannot be read (no such controller, cgroup gone). */
function readOptional(path: string): string | null {
	try {
		return readFileSync(path, 'latin1');
	} catch {
		return null;
	}
}

function mkdirIfMissing(path: string): void {
	try {
		mkdirSync(path, { mode: 0o755 });
	} catch (error: unknown) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
	}
}

function readWords(path: string): string[] {
	return readFileSync(path, 'latin1')
		.split(/\s+/)
		.filter(w => w !== '');
}
