// The service lifecycle as a pure function: (record, input, now) → (record, effects).
// Owns no timers, processes or events: the shell (supervisor.ts) performs the effects it returns.
// Invariant: a record is never mutated; every transition returns a fresh record.
//
// Model. A service has a configuration (args, fds, tags, interval, triggers, env, readiness and
// restart policy) and a run phase:
//   down   no process; `exit` holds how the last run ended (null if it never ran or a start
//          was cancelled since). `failed`: the restart limit was reached; only a start by hand
//          (a `manual` request) starts it again.
//   start  a start is scheduled for `startAt` (monotonic ms); no process yet.
//   up     a process with `pid` has been running since `upSince`; `ready` once it said so (a line
//          on its `ready` fd, or READY=1 over sd_notify). `deadline` is the one pending timer
//          of the run: the ready timeout, the watchdog, or the SIGKILL after a SIGTERM we sent.
// Inputs and what they mean in each phase:
//   request(at)  down|start → start at `at` (a pending start is re-scheduled); up → ignored;
//                a failed service ignores every request but a manual one, which clears it.
//   cancel       start → down (exit info forgotten); otherwise rejected by the caller.
//   spawned(pid) start → up (not ready; the ready timeout starts).
//   spawnFailed  start → start at now + FORK_RETRY_MS (resource shortage) or, when the
//                program cannot be executed, down with `exit 3` as if the child had failed to exec.
//   exited       up → down with exit info; then the restart policy (restart-policy.ts) schedules
//                a start, or marks the service failed.
//   notified     up (same pid) → READY, STATUS, WATCHDOG, STOPPING as sd_notify means them.
//   deadline     up → not ready in time, or watchdog silent: SIGTERM, and SIGKILL if it outlives
//                KILL_GRACE_MS; the run is then reported with `killed`.
// Two flags beside the configuration decide whether the restart policy applies at all (the shell reads
// them): `held` (service.stop: down and stay down until service.start) and `disabled`
// (service.disable: automatic starts off until service.enable). Neither changes the configured
// interval and triggers, so supervision comes back exactly as configured.
import {
	decideRestart,
	FRESH_HISTORY,
	type Backoff,
	type RestartHistory,
	type RestartLimit,
} from './restart-policy.js';

import type { ServiceUser } from './ports.js';

export const MIN_RESPAWN_INTERVAL_MS = 1000;
export const FORK_RETRY_MS = 3000;
/** How long a service killed by the daemon (ready timeout, watchdog) has after SIGTERM. */
export const KILL_GRACE_MS = 5000;
export const DEFAULT_FDS: readonly string[] = ['null', 'null', 'null'];
/** The service.fds entry that becomes the write end of the readiness pipe. */
export const READY_FD = 'ready';
const SIGKILL = 9;
const SIGTERM = 15;

/** Seconds from SIGTERM to SIGKILL when a tree is stopped, unless service.leftovers says otherwise. */
export const DEFAULT_STOP_GRACE_SECONDS = 10;

/** What happens to processes of the tree that remain when the main process exits. */
export type LeftoverPolicy = 'leave' | 'stop';

export type ExitReason = 'exit' | 'signal';

export interface ExitInfo {
	readonly at: number;
	readonly reason: ExitReason;
	/** Exit status as decimal text, or the signal name (`SIGTERM`). */
	readonly value: string;
	readonly ranMs: number;
}

export type Phase = 'down' | 'start' | 'up';

/** Why the daemon ended a run itself. */
export type KillReason = 'ready_timeout' | 'watchdog';

export interface Deadline {
	readonly kind: 'ready' | 'watchdog' | 'kill';
	readonly at: number;
}

export interface ServiceRecord {
	readonly name: string;
	readonly args: readonly string[];
	readonly fds: readonly string[];
	readonly tags: readonly string[];
	/** Restart interval in seconds; 0 when never set. */
	readonly interval: number;
	/** Trigger list verbatim, as given to service.auto_up. */
	readonly triggers: readonly string[];
	/** service.env: KEY=VALUE entries added to the daemon's environment. */
	readonly env: readonly string[];
	/** service.notify: the child gets NOTIFY_SOCKET. */
	readonly notify: boolean;
	/** WATCHDOG=1 must come at least this often once ready; 0 = no watchdog. */
	readonly watchdogMs: number;
	/** service.ready_timeout; 0 = none. */
	readonly readyTimeoutMs: number;
	readonly backoff: Backoff | null;
	readonly restartLimit: RestartLimit | null;
	readonly phase: Phase;
	readonly startAt: number | null;
	readonly pid: number | null;
	readonly upSince: number | null;
	readonly exit: ExitInfo | null;
	/** How the last run ended, kept across starts and cancels (status `lastExit`). */
	readonly lastExit: ExitInfo | null;
	/** Number of processes started so far (for dpctl status). */
	readonly starts: number;
	/** Automatic restarts so far (never reset). */
	readonly restarts: number;
	readonly failed: boolean;
	/** The current run said it is ready. */
	readonly ready: boolean;
	/** The sd_notify STATUS text of the current run. */
	readonly statusText: string | null;
	readonly deadline: Deadline | null;
	/** The daemon ended the current or last run: why. */
	readonly killed: KillReason | null;
	readonly history: RestartHistory;
	/** service.user: the credentials of the next runs; null = the daemon's. */
	readonly user: ServiceUser | null;
	/** service.leftovers: the policy, and the grace between SIGTERM and SIGKILL of any tree stop. */
	readonly leftovers: LeftoverPolicy;
	readonly stopGrace: number;
	/** Stopped by service.stop: no automatic starts until service.start. */
	readonly held: boolean;
	/** service.disable: no automatic starts until service.enable. */
	readonly disabled: boolean;
}

/** What one notification datagram (or the ready fd) said. */
export interface Notification {
	readonly ready?: boolean;
	readonly stopping?: boolean;
	readonly watchdog?: boolean;
	readonly status?: string;
}

export type ServiceInput =
	| { readonly kind: 'request'; readonly at: number; readonly manual?: boolean }
	| { readonly kind: 'cancel' }
	| { readonly kind: 'spawned'; readonly pid: number }
	| { readonly kind: 'spawnFailed'; readonly retry: boolean; readonly autoStart: boolean }
	| { readonly kind: 'exited'; readonly reason: ExitReason; readonly value: string; readonly autoStart: boolean }
	| { readonly kind: 'notified'; readonly pid: number; readonly note: Notification }
	| { readonly kind: 'deadline' };

export type ServiceEffect =
	/** Broadcast the service.state line of `record` (a step of the transition, not always its end). */
	| { readonly kind: 'emitState'; readonly record: ServiceRecord }
	/** Arrange for a spawn at `at` (replaces any earlier arrangement). */
	| { readonly kind: 'schedule'; readonly at: number }
	/** Forget any arranged spawn. */
	| { readonly kind: 'unschedule' }
	/** Arrange for a `deadline` input at `at`, or forget it (null). */
	| { readonly kind: 'deadline'; readonly at: number | null }
	| { readonly kind: 'signal'; readonly pid: number; readonly signal: number }
	| { readonly kind: 'log'; readonly level: 'error' | 'warn' | 'info'; readonly text: string };

export interface Transition {
	readonly record: ServiceRecord;
	readonly effects: readonly ServiceEffect[];
}

export function newService(name: string): ServiceRecord {
	return {
		name,
		args: [],
		fds: DEFAULT_FDS,
		tags: [],
		interval: 0,
		triggers: [],
		env: [],
		notify: false,
		watchdogMs: 0,
		readyTimeoutMs: 0,
		backoff: null,
		restartLimit: null,
		phase: 'down',
		startAt: null,
		pid: null,
		upSince: null,
		exit: null,
		lastExit: null,
		starts: 0,
		restarts: 0,
		failed: false,
		ready: false,
		statusText: null,
		deadline: null,
		killed: null,
		history: FRESH_HISTORY,
		user: null,
		leftovers: 'stop',
		stopGrace: DEFAULT_STOP_GRACE_SECONDS,
		held: false,
		disabled: false,
	};
}

/** The service has a readiness method: a `ready` fd or sd_notify. */
export function hasReadiness(record: ServiceRecord): boolean {
	return record.notify || record.fds.includes(READY_FD);
}

/** Status `ready`: null without a readiness method, else whether the running process said so. */
export function readyState(record: ServiceRecord): boolean | null {
	return hasReadiness(record) ? record.phase === 'up' && record.ready : null;
}

function schedule(record: ServiceRecord, at: number): Transition {
	const next: ServiceRecord = { ...record, phase: 'start', startAt: at, pid: null, upSince: null };
	return {
		record: next,
		effects: [
			{ kind: 'emitState', record: next },
			{ kind: 'schedule', at },
		],
	};
}

const baseDelayMs = (record: ServiceRecord): number => Math.max(record.interval * 1000, MIN_RESPAWN_INTERVAL_MS);

/** When the next start may happen after a run that ended at `now` (no backoff, no limit). */
export function restartTime(record: ServiceRecord, ranMs: number, now: number): number {
	const intervalMs = baseDelayMs(record);
	return ranMs < intervalMs ? now + intervalMs : now;
}

const unchanged = (record: ServiceRecord): Transition => ({ record, effects: [] });

export function transition(record: ServiceRecord, input: ServiceInput, now: number): Transition {
	switch (input.kind) {
		case 'request':
			if (record.phase === 'up') return unchanged(record);
			if (!input.manual) return record.failed ? unchanged(record) : schedule(record, input.at);
			return schedule({ ...record, failed: false, history: FRESH_HISTORY }, input.at);
		case 'cancel': {
			if (record.phase !== 'start') return unchanged(record);
			const down: ServiceRecord = { ...record, phase: 'down', startAt: null, pid: null, exit: null };
			return { record: down, effects: [{ kind: 'unschedule' }, { kind: 'emitState', record: down }] };
		}
		case 'spawned': {
			if (record.phase !== 'start') return unchanged(record);
			const deadline: Deadline | null =
				hasReadiness(record) && record.readyTimeoutMs > 0 ? { kind: 'ready', at: now + record.readyTimeoutMs } : null;
			const up: ServiceRecord = {
				...record,
				phase: 'up',
				startAt: null,
				pid: input.pid,
				upSince: now,
				exit: null,
				starts: record.starts + 1,
				ready: false,
				statusText: null,
				killed: null,
				deadline,
			};
			const effects: ServiceEffect[] = [{ kind: 'emitState', record: up }];
			if (deadline) effects.push({ kind: 'deadline', at: deadline.at });
			return { record: up, effects };
		}
		case 'spawnFailed':
			if (record.phase !== 'start') return unchanged(record);
			if (input.retry) return schedule(record, now + FORK_RETRY_MS);
			// The program could not be executed: 1.1 reports this as a child exiting with status 3.
			return settle(
				{ ...record, starts: record.starts + 1, killed: null },
				{ at: now, reason: 'exit', value: '3', ranMs: 0 },
				input.autoStart,
				now,
			);
		case 'exited':
			if (record.phase !== 'up' || record.upSince === null) return unchanged(record);
			return settle(
				record,
				{ at: now, reason: input.reason, value: input.value, ranMs: now - record.upSince },
				input.autoStart,
				now,
			);
		case 'notified':
			if (record.phase !== 'up' || record.pid !== input.pid) return unchanged(record);
			return notified(record, input.note, now);
		case 'deadline':
			if (record.phase !== 'up' || record.deadline === null || record.pid === null) return unchanged(record);
			if (now < record.deadline.at) return { record, effects: [{ kind: 'deadline', at: record.deadline.at }] };
			return deadlinePassed(record, record.deadline, record.pid, now);
	}
}

/** sd_notify semantics for a running service; a run the daemon is already killing only updates STATUS. */
function notified(record: ServiceRecord, note: Notification, now: number): Transition {
	let next: ServiceRecord = note.status === undefined ? record : { ...record, statusText: note.status };
	const killing = record.deadline?.kind === 'kill';
	const watchdog = (r: ServiceRecord): Deadline | null =>
		r.watchdogMs > 0 ? { kind: 'watchdog', at: now + r.watchdogMs } : null;
	if (note.ready && !next.ready && !killing) next = { ...next, ready: true, deadline: watchdog(next) };
	if (note.watchdog && next.deadline?.kind === 'watchdog') next = { ...next, deadline: watchdog(next) };
	// A service that says it is stopping is neither ready nor watched any more.
	if (note.stopping && !killing) next = { ...next, ready: false, deadline: null };
	const effects: ServiceEffect[] = [];
	if (next.deadline !== record.deadline) effects.push({ kind: 'deadline', at: next.deadline?.at ?? null });
	return { record: next, effects };
}

function deadlinePassed(record: ServiceRecord, deadline: Deadline, pid: number, now: number): Transition {
	const seconds = (ms: number): string => `${ms / 1000} s`;
	if (deadline.kind === 'kill') {
		return {
			record: { ...record, deadline: null },
			effects: [
				{
					kind: 'log',
					level: 'warn',
					text: `service '${record.name}' outlived SIGTERM by ${seconds(KILL_GRACE_MS)}: SIGKILL`,
				},
				{ kind: 'signal', pid, signal: SIGKILL },
			],
		};
	}
	const killed: KillReason = deadline.kind === 'ready' ? 'ready_timeout' : 'watchdog';
	const text =
		killed === 'ready_timeout'
			? `service '${record.name}' not ready within ${seconds(record.readyTimeoutMs)}: stopping it`
			: `service '${record.name}' watchdog: no WATCHDOG=1 for ${seconds(record.watchdogMs)}: stopping it`;
	const kill: Deadline = { kind: 'kill', at: now + KILL_GRACE_MS };
	return {
		record: { ...record, killed, deadline: kill, ready: false },
		effects: [
			{ kind: 'log', level: 'error', text },
			{ kind: 'signal', pid, signal: SIGTERM },
			{ kind: 'deadline', at: kill.at },
		],
	};
}

/** A run ended: report it, then apply the restart policy. */
function settle(record: ServiceRecord, exit: ExitInfo, autoStart: boolean, now: number): Transition {
	const down: ServiceRecord = {
		...record,
		phase: 'down',
		startAt: null,
		upSince: null,
		exit,
		lastExit: exit,
		ready: false,
		deadline: null,
	};
	const reported: ServiceEffect[] = [{ kind: 'unschedule' }];
	if (record.deadline) reported.push({ kind: 'deadline', at: null });
	reported.push({ kind: 'emitState', record: down });
	if (!autoStart) return { record: down, effects: reported };
	const decision = decideRestart(down.backoff, down.restartLimit, baseDelayMs(down), down.history, exit.ranMs, now);
	if (decision.kind === 'failed') {
		const limit = down.restartLimit;
		const failed: ServiceRecord = { ...down, failed: true, history: decision.history };
		const why = limit ? `${limit.count} restarts within ${limit.windowMs / 1000} s` : 'restart limit';
		return {
			record: failed,
			effects: [
				...reported,
				{
					kind: 'log',
					level: 'error',
					text: `service '${down.name}' failed (${why}): not restarting it until started`,
				},
			],
		};
	}
	const next = schedule({ ...down, restarts: down.restarts + 1, history: decision.history }, decision.at);
	return { record: next.record, effects: [...reported, ...next.effects] };
}

/** The pid of a process that is running now, or null. */
export function runningPid(record: ServiceRecord): number | null {
	return record.phase === 'up' ? record.pid : null;
}
