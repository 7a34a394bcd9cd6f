// Reads /proc to find the processes of a process group or session (the fallback tree of a
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

/** Live (not zombie) processes whose process group or session is `id`, ascending. */
export function processesOfGroup(id: number): number[] {
	const result: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const pid = Number(entry);
		const s = stat(pid);
		if (s && s.state !== 'Z' && (s.pgrp === id || s.session === id)) result.push(pid);
	}
	return result.sort((a, b) => a - b);
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
