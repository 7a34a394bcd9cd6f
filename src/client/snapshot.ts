// The daemon's state as a client sees it: a statedump folded into maps, kept current by
// applying events with "latest line wins" (state lines are idempotent snapshots).
// Pure data; no I/O. Must never throw on a line it does not know: it is ignored, as
// daemonproxy(8) EVENTS asks of controllers.

import {
	parseEvent,
	type DaemonEvent,
	type ExitReason,
	type FdType,
	type ServiceStateName,
} from '../protocol/events.js';
import { readStatusFields, type ServiceStatusFields } from '../protocol/service-status.js';

export interface ServiceStatus {
	readonly name: string;
	/** `down` for a service that was defined but never started. */
	state: ServiceStateName;
	/** The running process; null unless `up`. */
	pid: number | null;
	/** The pid of the last run, for a service that has exited. */
	lastPid: number | null;
	/** Monotonic seconds: fork time (`up`), reap time (`down`), scheduled time (`start`). */
	ts: number | null;
	/** How the last run ended; null if it never ran or a start was cancelled since. */
	exit: { reason: ExitReason; value: string } | null;
	/** Seconds since fork (`up`) or the length of the last run (`down`), as of the line. */
	uptime: number | null;
	downtime: number | null;
	args: readonly string[];
	fds: readonly string[];
	tags: readonly string[];
	/** Restart interval (seconds) and triggers; no triggers means no automatic start. */
	autoUp: { interval: number; triggers: readonly string[] };
	/** The service.status line (readiness, restarts, failed…); null when the dump had none (not asked for, or 1.1). */
	status: ServiceStatusFields | null;
	/** Held down by service.stop; null when the daemon did not say (service.mode not subscribed). */
	held: boolean | null;
	/** Automatic starts enabled (service.enable/service.disable); null when the daemon did not say. */
	enabled: boolean | null;
}

export interface HandleStatus {
	readonly name: string;
	readonly type: FdType;
	readonly flags: string;
	readonly description: string;
}

export interface PendingSignal {
	readonly signal: string;
	readonly ts: number;
	readonly count: number;
}

export interface Snapshot {
	readonly services: Map<string, ServiceStatus>;
	readonly handles: Map<string, HandleStatus>;
	readonly signals: Map<string, PendingSignal>;
	/** The sequence number the dump reflects (its `statedump.end` line), when the daemon said. */
	seq: number | null;
}

export function emptySnapshot(): Snapshot {
	return { services: new Map(), handles: new Map(), signals: new Map(), seq: null };
}

function service(snap: Snapshot, name: string): ServiceStatus {
	let s = snap.services.get(name);
	if (!s) {
		s = {
			name,
			state: 'down',
			pid: null,
			lastPid: null,
			ts: null,
			exit: null,
			uptime: null,
			downtime: null,
			args: [],
			fds: ['null', 'null', 'null'],
			tags: [],
			autoUp: { interval: 0, triggers: [] },
			status: null,
			held: null,
			enabled: null,
		};
		snap.services.set(name, s);
	}
	return s;
}

/** Applies one event to the snapshot; returns false when the event changes nothing it models. */
export function applyEvent(snap: Snapshot, e: DaemonEvent): boolean {
	switch (e.type) {
		case 'service.state': {
			if (e.state === 'deleted') return snap.services.delete(e.name);
			const s = service(snap, e.name);
			s.state = e.state;
			s.ts = e.ts;
			s.pid = e.state === 'up' ? e.pid : null;
			s.lastPid = e.state === 'down' ? e.pid : s.lastPid;
			s.exit = e.state === 'down' && e.reason !== null ? { reason: e.reason, value: e.value ?? '' } : null;
			s.uptime = e.uptime;
			s.downtime = e.downtime;
			return true;
		}
		case 'service.args':
			service(snap, e.name).args = e.args;
			return true;
		case 'service.fds':
			service(snap, e.name).fds = e.fds;
			return true;
		case 'service.tags':
			service(snap, e.name).tags = e.tags;
			return true;
		case 'service.auto_up': {
			const s = service(snap, e.name);
			// The `-` form does not carry the interval: keep the one we know.
			s.autoUp = { interval: e.triggers.length === 0 ? s.autoUp.interval : e.interval, triggers: e.triggers };
			return true;
		}
		case 'service.status':
			service(snap, e.name).status = readStatusFields(e.fields);
			return true;
		case 'fd.state':
			snap.handles.set(e.name, { name: e.name, type: e.fdType, flags: e.flags, description: e.description });
			return true;
		case 'fd.deleted':
			return snap.handles.delete(e.name);
		case 'signal':
			snap.signals.set(e.signal, { signal: e.signal, ts: e.ts, count: e.count });
			return true;
		case 'service.leftover':
			return false;
		case 'service.mode': {
			const s = service(snap, e.name);
			s.held = e.held;
			s.enabled = e.enabled;
			return true;
		}
		case 'service.killed':
		case 'overflow':
			return false;
	}
}

/** Applies a line if it is an event; returns the event, or null. */
export function applyLine(snap: Snapshot, line: string): DaemonEvent | null {
	const e = parseEvent(line);
	if (e) applyEvent(snap, e);
	return e;
}

/** A snapshot from the lines of a statedump (tags and sequence prefixes already removed). */
export function snapshotFromLines(lines: Iterable<string>): Snapshot {
	const snap = emptySnapshot();
	for (const line of lines) applyLine(snap, line);
	return snap;
}

/** Names sorted bytewise, as the daemon sorts them. */
export function sortedNames(names: Iterable<string>): string[] {
	return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
