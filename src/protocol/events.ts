// Owns the event lines (daemonproxy(8), EVENTS) as typed values: one formatter and one parser,
// shared by the daemon (which formats each event once) and the client (which parses).
// Invariants: formatEvent returns one line without LF; parseEvent is strict, so whenever it
// returns an event, formatEvent of it gives back the same bytes. Must never throw on input.

import type { StreamTopic } from './topics.js';

export type ServiceStateName = 'start' | 'up' | 'down' | 'deleted';
export type ExitReason = 'exit' | 'signal';
export type FdType = 'file' | 'pipe' | 'socket' | 'special';

/** service.state, 9 fields; null prints as `-`. VALUE is an exit status or a `SIG…` name. */
export interface ServiceStateEvent {
	type: 'service.state';
	name: string;
	state: ServiceStateName;
	ts: number | null;
	pid: number | null;
	reason: ExitReason | null;
	value: string | null;
	uptime: number | null;
	downtime: number | null;
}
export interface ServiceArgsEvent {
	type: 'service.args';
	name: string;
	args: readonly string[];
}
export interface ServiceFdsEvent {
	type: 'service.fds';
	name: string;
	fds: readonly string[];
}
export interface ServiceTagsEvent {
	type: 'service.tags';
	name: string;
	tags: readonly string[];
}
/** The `-` form (no triggers) does not carry the interval, so it parses as 0. */
export interface ServiceAutoUpEvent {
	type: 'service.auto_up';
	name: string;
	interval: number;
	triggers: readonly string[];
}
/**
 * service.status (an extension, daemonproxy(8) service.status): `KEY=VALUE` fields, the known ones
 * first in STATUS_KEYS order; a later daemon may add keys, which readers ignore.
 */
export interface ServiceStatusEvent {
	type: 'service.status';
	name: string;
	fields: readonly string[];
}
/** fd.state of a live handle. */
export interface FdStateEvent {
	type: 'fd.state';
	name: string;
	fdType: FdType;
	flags: string;
	description: string;
}
/** On the wire `fd.state\tNAME\tdeleted`. */
export interface FdDeletedEvent {
	type: 'fd.deleted';
	name: string;
}
export interface SignalEvent {
	type: 'signal';
	signal: string;
	ts: number;
	count: number;
}
/** What happened to processes a service's tree still had (daemonproxy(8), SERVICES, Process trees). */
export type LeftoverAction = 'leave' | 'stop' | 'kill';
/**
 * `service.leftover\tNAME\tACTION\tPID…`, an explicit-only topic: `leave` and `stop` when the
 * main process exited and these remained (left alone, or sent SIGTERM), `kill` when these were
 * still there at the end of a stop's grace and got SIGKILL.
 */
export interface ServiceLeftoverEvent {
	type: 'service.leftover';
	name: string;
	action: LeftoverAction;
	pids: readonly number[];
}
/**
 * service.mode (an extension, sent only to a connection that subscribes to it by name):
 * `service.mode\tNAME\tHOLD\tAUTO`, HOLD `held` (stopped by service.stop) or `-`, AUTO `enabled`
 * or `disabled` (service.enable/service.disable).
 */
export interface ServiceModeEvent {
	type: 'service.mode';
	name: string;
	held: boolean;
	enabled: boolean;
}
/** service.killed (an extension, by name only): `service.killed\tNAME\tPID\tGRACE`: service.stop sent SIGKILL. */
export interface ServiceKilledEvent {
	type: 'service.killed';
	name: string;
	pid: number;
	grace: number;
}
/** Events were dropped for this controller (see Back-pressure and overflow in daemonproxy(8)). */
export interface OverflowEvent {
	type: 'overflow';
}

export type DaemonEvent =
	| ServiceStateEvent
	| ServiceArgsEvent
	| ServiceFdsEvent
	| ServiceTagsEvent
	| ServiceAutoUpEvent
	| ServiceStatusEvent
	| FdStateEvent
	| FdDeletedEvent
	| SignalEvent
	| ServiceLeftoverEvent
	| ServiceModeEvent
	| ServiceKilledEvent
	| OverflowEvent;

/** The topic of a DaemonEvent: every stream topic but `audit`, which the control plane publishes itself. */
export type EventTopic = Exclude<StreamTopic, 'audit'>;

const DASH = '-';

function numOrDash(n: number | null): string {
	return n === null ? DASH : String(n);
}

/** The wire line of an event, without LF. */
export function formatEvent(e: DaemonEvent): string {
	switch (e.type) {
		case 'service.state':
			return (
				`service.state\t${e.name}\t${e.state}\t${numOrDash(e.ts)}\t${numOrDash(e.pid)}\t` +
				`${e.reason ?? DASH}\t${e.value ?? DASH}\t${numOrDash(e.uptime)}\t${numOrDash(e.downtime)}`
			);
		case 'service.args':
			return `service.args\t${e.name}\t${e.args.join('\t')}`;
		case 'service.fds':
			return `service.fds\t${e.name}\t${e.fds.join('\t')}`;
		case 'service.tags':
			return `service.tags\t${e.name}\t${e.tags.join('\t')}`;
		case 'service.auto_up': {
			// The `-` form whenever the stored trigger TSV is empty ([] or ['']).
			const triggers = e.triggers.join('\t');
			return triggers.length === 0
				? `service.auto_up\t${e.name}\t-`
				: `service.auto_up\t${e.name}\t${String(e.interval)}\t${triggers}`;
		}
		case 'service.status':
			return `service.status\t${e.name}\t${e.fields.join('\t')}`;
		case 'fd.state':
			return `fd.state\t${e.name}\t${e.fdType}\t${e.flags}\t${e.description}`;
		case 'fd.deleted':
			return `fd.state\t${e.name}\tdeleted`;
		case 'signal':
			return `signal\t${e.signal}\t${String(e.ts)}\t${String(e.count)}`;
		case 'service.leftover':
			return `service.leftover\t${e.name}\t${e.action}\t${e.pids.join('\t')}`;
		case 'service.mode':
			return `service.mode\t${e.name}\t${e.held ? 'held' : DASH}\t${e.enabled ? 'enabled' : 'disabled'}`;
		case 'service.killed':
			return `service.killed\t${e.name}\t${String(e.pid)}\t${String(e.grace)}`;
		case 'overflow':
			return 'overflow';
	}
}

/** Canonical decimal only (no '+', no leading zeros, no '-0'), so formatting restores the bytes. */
const CANONICAL_INT_RE = /^(?:0|-?[1-9][0-9]{0,14})$/;

function parseNumber(s: string): number | undefined {
	return CANONICAL_INT_RE.test(s) ? Number(s) : undefined;
}

/** `-` → null, a canonical integer → number, anything else → undefined (malformed). */
function parseNumOrDash(s: string): number | null | undefined {
	return s === DASH ? null : parseNumber(s);
}

const STATE_NAMES: ReadonlySet<string> = new Set<ServiceStateName>(['start', 'up', 'down', 'deleted']);
const FD_TYPES: ReadonlySet<string> = new Set<FdType>(['file', 'pipe', 'socket', 'special']);

function parseServiceState(f: readonly string[]): ServiceStateEvent | null {
	if (f.length !== 9) {
		return null;
	}
	const [, name = '', state = '', tsS = '', pidS = '', reasonS = '', valueS = '', upS = '', downS = ''] = f;
	const ts = parseNumOrDash(tsS);
	const pid = parseNumOrDash(pidS);
	const uptime = parseNumOrDash(upS);
	const downtime = parseNumOrDash(downS);
	if (
		!STATE_NAMES.has(state) ||
		ts === undefined ||
		pid === undefined ||
		uptime === undefined ||
		downtime === undefined ||
		(reasonS !== DASH && reasonS !== 'exit' && reasonS !== 'signal')
	) {
		return null;
	}
	return {
		type: 'service.state',
		name,
		state: state as ServiceStateName,
		ts,
		pid,
		reason: reasonS === DASH ? null : reasonS,
		value: valueS === DASH ? null : valueS,
		uptime,
		downtime,
	};
}

/** service.args, .fds, .tags: the fields after the name; a single empty field is the empty list. */
function listAfterName(f: readonly string[]): string[] | null {
	if (f.length < 3) {
		return null;
	}
	return f.length === 3 && f[2] === '' ? [] : f.slice(2);
}

function parseAutoUp(name: string, f: readonly string[]): ServiceAutoUpEvent | null {
	if (f.length === 3 && f[2] === DASH) {
		return { type: 'service.auto_up', name, interval: 0, triggers: [] };
	}
	const interval = f.length >= 4 ? parseNumber(f[2] ?? '') : undefined;
	const triggers = f.slice(3);
	// An empty trigger TSV is always sent in the `-` form, so a lone empty field is malformed.
	if (interval === undefined || (triggers.length === 1 && triggers[0] === '')) {
		return null;
	}
	return { type: 'service.auto_up', name, interval, triggers };
}

function parseFdState(name: string, f: readonly string[]): FdStateEvent | FdDeletedEvent | null {
	if (f.length === 3 && f[2] === 'deleted') {
		return { type: 'fd.deleted', name };
	}
	const fdType = f[2] ?? '';
	if (f.length !== 5 || !FD_TYPES.has(fdType)) {
		return null;
	}
	return { type: 'fd.state', name, fdType: fdType as FdType, flags: f[3] ?? '', description: f[4] ?? '' };
}

function parseSignal(f: readonly string[]): SignalEvent | null {
	if (f.length !== 4) {
		return null;
	}
	const ts = parseNumber(f[2] ?? '');
	const count = parseNumber(f[3] ?? '');
	if (ts === undefined || count === undefined) {
		return null;
	}
	return { type: 'signal', signal: f[1] ?? '', ts, count };
}

const LEFTOVER_ACTIONS: ReadonlySet<string> = new Set<LeftoverAction>(['leave', 'stop', 'kill']);

function parseLeftover(name: string, f: readonly string[]): ServiceLeftoverEvent | null {
	const action = f[2] ?? '';
	const pids = f.slice(3).map(parseNumber);
	if (!LEFTOVER_ACTIONS.has(action) || pids.length === 0 || pids.some(p => p === undefined || p <= 0)) return null;
	return { type: 'service.leftover', name, action: action as LeftoverAction, pids: pids as number[] };
}

function parseMode(name: string, f: readonly string[]): ServiceModeEvent | null {
	const [, , hold, auto] = f;
	if (f.length !== 4 || (hold !== 'held' && hold !== DASH) || (auto !== 'enabled' && auto !== 'disabled')) return null;
	return { type: 'service.mode', name, held: hold === 'held', enabled: auto === 'enabled' };
}

function parseKilled(name: string, f: readonly string[]): ServiceKilledEvent | null {
	const pid = parseNumber(f[2] ?? '');
	const grace = parseNumber(f[3] ?? '');
	if (f.length !== 4 || pid === undefined || grace === undefined) return null;
	return { type: 'service.killed', name, pid, grace };
}

/**
 * The event a line carries, or null for every other line (echo replies, `error`, `warning`,
 * `info`, `log.filter`, tagged lines, malformed events). Note that an echo reply can imitate an
 * event: only a tagged request tells them apart.
 */
export function parseEvent(line: string): DaemonEvent | null {
	if (line === 'overflow') {
		return { type: 'overflow' };
	}
	const tab = line.indexOf('\t');
	if (tab < 0) {
		return null;
	}
	const f = line.split('\t');
	const name = f[1] ?? '';
	switch (line.slice(0, tab)) {
		case 'service.state':
			return parseServiceState(f);
		case 'service.args': {
			const args = listAfterName(f);
			return args === null ? null : { type: 'service.args', name, args };
		}
		case 'service.fds': {
			const fds = listAfterName(f);
			return fds === null ? null : { type: 'service.fds', name, fds };
		}
		case 'service.tags': {
			const tags = listAfterName(f);
			return tags === null ? null : { type: 'service.tags', name, tags };
		}
		case 'service.auto_up':
			return parseAutoUp(name, f);
		case 'service.status': {
			const fields = f.slice(2);
			return fields.length > 0 && fields.every(field => field.includes('='))
				? { type: 'service.status', name, fields }
				: null;
		}
		case 'fd.state':
			return parseFdState(name, f);
		case 'signal':
			return parseSignal(f);
		case 'service.leftover':
			return parseLeftover(name, f);
		case 'service.mode':
			return parseMode(name, f);
		case 'service.killed':
			return parseKilled(name, f);
		default:
			return null;
	}
}

/** The subscription topic; `fd.deleted` is published as `fd.state`. */
export function eventTopic(e: DaemonEvent): EventTopic {
	return e.type === 'fd.deleted' ? 'fd.state' : e.type;
}

/** The NAME subscription patterns match: service or handle name, signal name; none for overflow. */
export function eventSubject(e: DaemonEvent): string | undefined {
	switch (e.type) {
		case 'overflow':
			return undefined;
		case 'signal':
			return e.signal;
		default:
			return e.name;
	}
}
