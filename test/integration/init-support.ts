// What the init-duty and fault tests (init-*.test.ts, faults-*.test.ts) share: reading a
// process's CPU time, memory and state from /proc, finding zombies under a process, and starting
// the daemon as process 1 of a new PID namespace (`unshare --pid --fork --mount-proc`).
// Every wait here has a deadline; nothing sleeps a fixed time as synchronisation.

import { readdirSync, readFileSync } from 'node:fs';
import type { ExecutionContext } from 'ava';
import {
	daemonBin,
	DEFAULT_TIMEOUT_MS,
	descendants,
	pollUntil,
	procStatFields,
	startDaemon,
	type Daemon,
	type LineReader,
} from './helpers/daemon.js';

/** USER_HZ: the unit of utime/stime in /proc/PID/stat (100 on every Linux we run on). */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcStat {
	readonly state: string;
	readonly ppid: number;
	/** utime + stime, in seconds. */
	readonly cpuSeconds: number;
}

/** State, parent and CPU time of `pid`; undefined once it is gone. */
export function procStat(pid: number): ProcStat | undefined {
	// Fields after the parenthesised command name: 3 state, 4 ppid, …, 14 utime, 15 stime.
	const fields = procStatFields(pid);
	if (fields === undefined) return undefined;
	const ticks = Number(fields[11]) + Number(fields[12]);
	return { state: fields[0] ?? '?', ppid: Number(fields[1]), cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND };
}

/** CPU seconds (user + system) `pid` has used so far. */
export function cpuSeconds(pid: number): number {
	const stat = procStat(pid);
	if (!stat) throw new Error(`process ${pid} is gone`);
	return stat.cpuSeconds;
}

/** Resident memory of `pid` in KiB. */
export function rssKiB(pid: number): number {
	const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
	if (!match) throw new Error(`no VmRSS for ${pid}`);
	return Number(match[1]);
}

/** Number of open descriptors of `pid`. */
export function fdCount(pid: number): number {
	return readdirSync(`/proc/${pid}/fd`).length;
}

/** Descendants of `root` that are zombies (state Z) right now. */
export function zombiesUnder(root: number): number[] {
	return descendants(root).filter(pid => procStat(pid)?.state === 'Z');
}

/** Direct children of `parent` right now. */
export function childrenOf(parent: number): number[] {
	return descendants(parent).filter(pid => procStat(pid)?.ppid === parent);
}

export interface NamespacedDaemon {
	readonly d: Daemon;
	/** The daemon's pid as seen from outside the namespace (inside it is 1). */
	readonly hostPid: number;
}

/**
 * Starts `unshare --pid --fork --mount-proc bin/daemonproxy -i ARGS` (the daemon is process 1 of
 * the new namespace) and waits for the banner. Killing it (teardown) ends the whole namespace.
 */
export async function startAsPid1(
	t: ExecutionContext,
	args: string[],
	env?: Record<string, string>,
): Promise<NamespacedDaemon> {
	const d = await startDaemon(t, ['--pid', '--fork', '--mount-proc', daemonBin, '-i', ...args], {
		bin: 'unshare',
		interactive: false,
		...(env === undefined ? {} : { env }),
	});
	try {
		for (let i = 0; i < 6; i++) t.regex(await d.stdout.next(), /^info\t/);
	} catch (error: unknown) {
		await d.stop();
		await d.stderr.ended;
		throw new Error(
			`startAsPid1: no banner: ${(error as Error).message}\nstderr: ${d.stderr.seen.slice(-10).join('\n  ')}`,
			{ cause: error },
		);
	}
	// Only /proc tells the host pid of unshare's child; after the banner the first look finds it.
	const hostPid = await pollUntil(() => childrenOf(d.pid)[0], 'the daemon under unshare');
	return { d, hostPid };
}

/** Whether this kernel and our privileges allow a new PID namespace (root in CI: yes). */
export function canUnshare(): boolean {
	return process.getuid?.() === 0;
}

/**
 * Waits until some line received so far matches, without consuming anything: for events of
 * several services whose relative order is not defined.
 */
export function received(reader: LineReader, pattern: RegExp, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
	return reader.find(pattern, 0, timeoutMs);
}
