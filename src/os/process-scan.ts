// Reads /proc to find the processes of process groups and sessions (the fallback tree of a
// service without a cgroup) and to name processes in reports. Invariants: only /proc is read;
// a process that vanishes while being read is skipped. Must never signal anything.

import { readFileSync, readdirSync } from 'node:fs';

interface StatFields {
	readonly state: string;
	readonly pgrp: number;
	readonly session: number;
}

/** state, pgrp and session from /proc/PID/stat (the command may contain spaces and ')'). */
function stat(pid: number): StatFields | null {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
		const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
		return { state: f[0] ?? '', pgrp: Number(f[2]), session: Number(f[3]) };
	} catch {
		return null;
	}
}

/**
 * The live (not zombie) processes of every process group and session now: id → pids, ascending.
 * One pass over /proc serves any number of lookups (processesOf).
 */
export function scanGroups(): Map<number, number[]> {
	const groups = new Map<number, number[]>();
	const add = (id: number, pid: number): void => {
		const list = groups.get(id);
		if (!list) groups.set(id, [pid]);
		else if (list.at(-1) !== pid) list.push(pid);
	};
	const pids = readdirSync('/proc')
		.filter(entry => /^\d+$/.test(entry))
		.map(Number)
		.sort((a, b) => a - b);
	for (const pid of pids) {
		const s = stat(pid);
		if (!s || s.state === 'Z') continue;
		add(s.pgrp, pid);
		add(s.session, pid);
	}
	return groups;
}

/** Whether `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
	const s = stat(pid);
	return s !== null && s.state !== 'Z';
}

/** The process's name (/proc/PID/comm), or '?' when it is gone. */
export function processName(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
	} catch {
		return '?';
	}
}
