// What the tests learn from /proc about processes, and how they make sure none outlives a test.
// killProcessTree is synchronous so it can also run from process 'exit' and signal handlers;
// it only ever signals the given pid, its process group and the descendants found under it.

import { readdirSync, readFileSync } from 'node:fs';

/** The open descriptor numbers of a process, ascending (from /proc/PID/fd). */
export function listFds(pid: number): number[] {
	return readdirSync(`/proc/${pid}/fd`)
		.map(Number)
		.sort((a, b) => a - b);
}

/** Whole seconds of the monotonic clock (for comparing with the daemon's timestamps). */
export function monotonicSeconds(): number {
	return Math.floor(Number(process.hrtime.bigint() / 1_000_000n) / 1000);
}

/**
 * The fields of /proc/PID/stat after the command name (field 3, the state, first); undefined once
 * the process is gone. The name is parenthesised and may contain spaces or parentheses itself, so
 * the fields are read after the last ')'.
 */
export function procStatFields(pid: number): string[] | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/stat`, 'latin1');
	} catch {
		return undefined;
	}
	return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

// state and ppid from /proc/PID/stat.
function readStat(pid: number): { state: string; ppid: number } | undefined {
	const fields = procStatFields(pid);
	if (fields === undefined) return undefined;
	return { state: fields[0] ?? '?', ppid: Number(fields[1]) };
}

/** True when the pid no longer exists or is a zombie waiting to be reaped. */
export function processGone(pid: number): boolean {
	const stat = readStat(pid);
	return stat === undefined || stat.state === 'Z' || stat.state === 'X';
}

/** Every live descendant of `root` (children, grandchildren, …) at this moment. */
export function descendants(root: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of readdirSync('/proc')) {
		const pid = Number(entry);
		if (!Number.isInteger(pid)) continue;
		const stat = readStat(pid);
		if (!stat) continue;
		const siblings = children.get(stat.ppid);
		if (siblings) siblings.push(pid);
		else children.set(stat.ppid, [pid]);
	}
	const found: number[] = [];
	const queue = [root];
	for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
		for (const child of children.get(pid) ?? []) {
			found.push(child);
			queue.push(child);
		}
	}
	return found;
}

function kill(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(pid, signal);
	} catch {
		// ESRCH: already gone. EPERM cannot happen for our own children.
	}
}

/** SIGKILLs every member of process group `pgid`, if any are left. */
export function killGroup(pgid: number): void {
	kill(-pgid, 'SIGKILL');
}

/**
 * SIGKILLs `pid` (first, so it cannot start anything more), then its process group (`pid` must
 * lead one: spawn it detached) and every descendant found before the kill, including ones that
 * left the group with setsid.
 */
export function killProcessTree(pid: number): void {
	const found = descendants(pid);
	kill(pid, 'SIGKILL');
	killGroup(pid);
	for (const child of found) kill(child, 'SIGKILL');
}
