// Processes the benchmarks start, and what /proc says about them: every process is registered by
// pid (with its start time, so a reused pid is never signalled) and stopped by pid at the end,
// together with everything it started; RSS, children and command names are read from /proc.
// Never kills by name, never touches a process this run did not start or spawn below one.

import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** @typedef {{pid: number, start: string, label: string}} Tracked */

/** @type {Map<number, Tracked>} */
const tracked = new Map();
/** @type {Array<() => Promise<void> | void>} */
const cleanups = [];
let hooksInstalled = false;

/** Field 22 of /proc/PID/stat (start time in clock ticks), or null when the pid is gone. */
export function startTime(pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
		// The command name (field 2) may contain spaces and parentheses: split after the last ')'.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return fields[19] ?? null;
	} catch {
		return null;
	}
}

/** The process state letter (R, S, Z…) or null when gone. */
export function processState(pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
	} catch {
		return null;
	}
}

/** /proc/PID/comm without its LF, or null. */
export function comm(pid) {
	try {
		return readFileSync(`/proc/${pid}/comm`, 'latin1').trimEnd();
	} catch {
		return null;
	}
}

/** Resident set size in bytes (VmRSS), or null when the process is gone. */
export function rssBytes(pid) {
	try {
		const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
		return match ? Number(match[1]) * 1024 : null;
	} catch {
		return null;
	}
}

/** Direct children of every thread of `pid` (a child belongs to the thread that forked it). */
export function childrenOf(pid) {
	/** @type {number[]} */
	const result = [];
	let tasks;
	try {
		tasks = readdirSync(`/proc/${pid}/task`);
	} catch {
		return result;
	}
	for (const task of tasks) {
		try {
			const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').trim();
			if (text !== '') for (const child of text.split(' ')) result.push(Number(child));
		} catch {
			// the thread ended
		}
	}
	return result;
}

/** Every descendant of `pid`, depth first. */
export function descendantsOf(pid) {
	/** @type {number[]} */
	const result = [];
	const stack = [pid];
	while (stack.length > 0) {
		const children = childrenOf(/** @type {number} */ (stack.pop()));
		result.push(...children);
		stack.push(...children);
	}
	return result;
}

/**
 * Counts the children of `parent` that have exec'd into `name` (/proc/PID/comm), remembering the
 * confirmed ones in `seen` so that each poll only looks at new pids.
 */
export function countChildrenNamed(parent, name, seen) {
	for (const pid of childrenOf(parent)) {
		if (seen.has(pid)) continue;
		if (comm(pid) === name) seen.add(pid);
	}
	return seen.size;
}

/** Registers a process this run started, so that stopAll() ends it (and its descendants). */
export function track(pid, label) {
	const start = startTime(pid);
	if (start !== null) tracked.set(pid, { pid, start, label });
}

function alive(entry) {
	return startTime(entry.pid) === entry.start && processState(entry.pid) !== 'Z';
}

function signal(pid, name) {
	try {
		process.kill(pid, name);
		return true;
	} catch {
		return false;
	}
}

/** Pids with their start times, so that killSnapshot() never signals a reused pid. */
export function snapshot(pids) {
	return pids.map(pid => ({ pid, start: startTime(pid) }));
}

/** Processes sent SIGKILL and not yet seen gone: SIGKILL is asynchronous (see settle()). */
/** @type {Array<{pid: number, start: string | null}>} */
let dying = [];

export function killSnapshot(entries) {
	for (const entry of entries) {
		if (entry.start !== null && startTime(entry.pid) === entry.start && signal(entry.pid, 'SIGKILL')) dying.push(entry);
	}
}

function parentOf(pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	} catch {
		return null;
	}
}

/**
 * Waits until every process killed so far has exited: gone, or a zombie — except our own
 * children, which are waited for until Node has reaped them (a zombie left behind when we exit
 * would be reparented to a process 1 that may never reap it).
 */
export async function settle(timeoutMs = 10_000) {
	const deadline = performance.now() + timeoutMs;
	while (dying.length > 0 && performance.now() < deadline) {
		dying = dying.filter(entry => {
			if (startTime(entry.pid) !== entry.start) return false;
			const state = processState(entry.pid);
			return state !== null && (state !== 'Z' || parentOf(entry.pid) === process.pid);
		});
		if (dying.length > 0) await sleep(5);
	}
	dying = [];
}

/**
 * Stops a tracked process and everything below it, by pid: SIGSTOP freezes it (a stopped
 * supervisor cannot start a replacement), its descendants are listed, then all get SIGKILL.
 */
export function killTree(pid) {
	const entry = tracked.get(pid);
	tracked.delete(pid);
	if (entry && !alive(entry)) return;
	signal(pid, 'SIGSTOP');
	const below = snapshot(descendantsOf(pid));
	killSnapshot([{ pid, start: startTime(pid) }, ...below]);
}

/**
 * Resolves when `pid` has exited (is gone, or a zombie unless `reaped`: a child of ours is reaped
 * by Node, and one left a zombie when we exit would be nobody's to reap), or after `timeoutMs`.
 */
export async function waitGone(pid, timeoutMs = 5000, { reaped = false } = {}) {
	const deadline = performance.now() + timeoutMs;
	while (performance.now() < deadline) {
		const state = processState(pid);
		if (state === null || (state === 'Z' && !reaped)) return true;
		await sleep(5);
	}
	return false;
}

/** Registers an async cleanup (pm2 kill…) run by stopAll() before the pid sweep. */
export function onCleanup(fn) {
	cleanups.push(fn);
	installHooks();
}

/** Runs the cleanups (newest first), then kills every tracked process tree still alive. */
export async function stopAll() {
	while (cleanups.length > 0) {
		const fn = /** @type {() => Promise<void> | void} */ (cleanups.pop());
		try {
			await fn();
		} catch (error) {
			process.stderr.write(`bench: cleanup failed: ${/** @type {Error} */ (error).message}\n`);
		}
	}
	for (const pid of [...tracked.keys()].reverse()) killTree(pid);
	await settle();
}

function stopAllSync() {
	for (const pid of [...tracked.keys()].reverse()) killTree(pid);
}

function installHooks() {
	if (hooksInstalled) return;
	hooksInstalled = true;
	process.on('exit', stopAllSync);
	for (const name of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
		process.once(name, () => {
			stopAll().finally(() => process.kill(process.pid, name));
		});
	}
}

/**
 * Spawns a tracked process (its own process group, so a terminal's Ctrl-C reaches only us and
 * our cleanup runs). Returns the ChildProcess; its pid is registered before anything else runs.
 */
export function spawnTracked(command, args, options = {}, label = command) {
	installHooks();
	const child = spawn(command, args, { stdio: 'ignore', detached: true, ...options });
	if (child.pid === undefined) throw new Error(`cannot start ${command}`);
	track(child.pid, label);
	child.on('error', () => {});
	return child;
}

export function sleep(ms) {
	return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than undefined/false, or fails
 * after `timeoutMs` with a message naming `what`.
 */
export async function waitUntil(what, check, { timeoutMs = 30_000, intervalMs = 2 } = {}) {
	const deadline = performance.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined && value !== false) return value;
		if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(intervalMs);
	}
}
