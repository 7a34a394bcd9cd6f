// The service lifecycle as a pure function: (record, input, now) → (record, effects).
// Owns no timers, processes or events: the shell (supervisor.ts) performs the effects it returns.
// Invariant: a record is never mutated; every transition returns a fresh record.
//
// Model. A service has a configuration (args, fds, tags, interval, triggers) and a run phase:
//   down   no process; `exit` holds how the last run ended (null if it never ran or a start
//          was cancelled since).
//   start  a start is scheduled for `startAt` (monotonic ms); no process yet.
//   up     a process with `pid` has been running since `upSince`.
// Inputs and what they mean in each phase:
//   request(at)  down|start → start at `at` (a pending start is re-scheduled); up → ignored.
//   cancel       start → down (exit info forgotten); otherwise rejected by the caller.
//   spawned(pid) start → up.
//   spawnFailed  start → start at now + FORK_RETRY_MS (resource shortage) or, when the
//                program cannot be executed, down with `exit 3` as if the child had failed to exec.
//   exited       up → down with exit info; then the automatic-restart rule may schedule a start.
// Two flags beside the configuration decide whether that rule applies at all (the shell reads
// them): `held` (service.stop: down and stay down until service.start) and `disabled`
// (service.disable: automatic starts off until service.enable). Neither changes the configured
// interval and triggers, so supervision comes back exactly as configured.
// Restart delay (with 1.1's interval-0 accident fixed): a run shorter than the effective
// interval (the configured one, at least MIN_RESPAWN_INTERVAL_MS) is followed by a start one
// effective interval after the exit; a longer run is followed by an immediate start.

export const MIN_RESPAWN_INTERVAL_MS = 1000;
export const FORK_RETRY_MS = 3000;
export const DEFAULT_FDS: readonly string[] = ['null', 'null', 'null'];

export type ExitReason = 'exit' | 'signal';

export interface ExitInfo {
	readonly at: number;
	readonly reason: ExitReason;
	/** Exit status as decimal text, or the signal name (`SIGTERM`). */
	readonly value: string;
	readonly ranMs: number;
}

export type Phase = 'down' | 'start' | 'up';

export interface ServiceRecord {
	readonly name: string;
	readonly args: readonly string[];
	readonly fds: readonly string[];
	readonly tags: readonly string[];
	/** Restart interval in seconds; 0 when never set. */
	readonly interval: number;
	/** Trigger list verbatim, as given to service.auto_up. */
	readonly triggers: readonly string[];
	readonly phase: Phase;
	readonly startAt: number | null;
	readonly pid: number | null;
	readonly upSince: number | null;
	readonly exit: ExitInfo | null;
	/** Number of processes started so far (for dpctl status). */
	readonly starts: number;
	/** Stopped by service.stop: no automatic starts until service.start. */
	readonly held: boolean;
	/** service.disable: no automatic starts until service.enable. */
	readonly disabled: boolean;
}

export type ServiceInput =
	| { readonly kind: 'request'; readonly at: number }
	| { readonly kind: 'cancel' }
	| { readonly kind: 'spawned'; readonly pid: number }
	| { readonly kind: 'spawnFailed'; readonly retry: boolean; readonly autoStart: boolean }
	| { readonly kind: 'exited'; readonly reason: ExitReason; readonly value: string; readonly autoStart: boolean };

export type ServiceEffect =
	/** Broadcast the service.state line of `record` (a step of the transition, not always its end). */
	| { readonly kind: 'emitState'; readonly record: ServiceRecord }
	/** Arrange for a spawn at `at` (replaces any earlier arrangement). */
	| { readonly kind: 'schedule'; readonly at: number }
	/** Forget any arranged spawn. */
	| { readonly kind: 'unschedule' };

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
		phase: 'down',
		startAt: null,
		pid: null,
		upSince: null,
		exit: null,
		starts: 0,
		held: false,
		disabled: false,
	};
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

/** When the next start may happen after a run that ended at `now`. */
export function restartTime(record: ServiceRecord, ranMs: number, now: number): number {
	const intervalMs = Math.max(record.interval * 1000, MIN_RESPAWN_INTERVAL_MS);
	return ranMs < intervalMs ? now + intervalMs : now;
}

const unchanged = (record: ServiceRecord): Transition => ({ record, effects: [] });

export function transition(record: ServiceRecord, input: ServiceInput, now: number): Transition {
	switch (input.kind) {
		case 'request':
			return record.phase === 'up' ? unchanged(record) : schedule(record, input.at);
		case 'cancel': {
			if (record.phase !== 'start') return unchanged(record);
			const down: ServiceRecord = { ...record, phase: 'down', startAt: null, pid: null, exit: null };
			return { record: down, effects: [{ kind: 'unschedule' }, { kind: 'emitState', record: down }] };
		}
		case 'spawned': {
			if (record.phase !== 'start') return unchanged(record);
			const up: ServiceRecord = {
				...record,
				phase: 'up',
				startAt: null,
				pid: input.pid,
				upSince: now,
				exit: null,
				starts: record.starts + 1,
			};
			return { record: up, effects: [{ kind: 'emitState', record: up }] };
		}
		case 'spawnFailed':
			if (record.phase !== 'start') return unchanged(record);
			if (input.retry) return schedule(record, now + FORK_RETRY_MS);
			// The program could not be executed: 1.1 reports this as a child exiting with status 3.
			return settle(
				{ ...record, starts: record.starts + 1 },
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
	}
}

/** A run ended: report it, then apply the automatic-restart rule. */
function settle(record: ServiceRecord, exit: ExitInfo, autoStart: boolean, now: number): Transition {
	const down: ServiceRecord = { ...record, phase: 'down', startAt: null, upSince: null, exit };
	const reported: ServiceEffect[] = [{ kind: 'unschedule' }, { kind: 'emitState', record: down }];
	if (!autoStart) return { record: down, effects: reported };
	const next = schedule(down, restartTime(down, exit.ranMs, now));
	return { record: next.record, effects: [...reported, ...next.effects] };
}

/** The pid of a process that is running now, or null. */
export function runningPid(record: ServiceRecord): number | null {
	return record.phase === 'up' ? record.pid : null;
}
