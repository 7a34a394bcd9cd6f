// The steps behind dpctl start, stop and restart: send the commands, then wait on the event
// stream for each service to reach the wanted state, with a deadline and, for stop,
// an optional escalation to SIGKILL. The stream is opened before any command, so no state change
// can slip between a command and the wait.
// Must never treat a state the daemon did not report as reached.

import type { Client } from '../client/client.js';
import { DaemonError } from '../client/errors.js';
import type { EventItem, StreamItem } from '../client/event-stream.js';
import { sortedNames, type ServiceStatus, type Snapshot } from '../client/snapshot.js';
import type { Dump } from '../client/typed-commands.js';
import { readStatusFields } from '../protocol/service-status.js';
import { exitText } from './describe-event.js';
import { CliError, DeadlineError, EXIT } from './exit-codes.js';
import { requireNames } from './names.js';
import { displayWire } from './output.js';
import { stderr } from './session.js';

/** How long stop waits after SIGKILL when --kill escalated. */
export const KILL_GRACE_SECONDS = 5;

export type Verdict = 'done' | 'failed' | null;

/**
 * A stream read in several waits: a next() still pending when one wait gives up is kept for the
 * next wait, so the item it brings is not lost.
 */
export class StreamReader {
	readonly #it: AsyncIterator<StreamItem>;
	#pending: Promise<IteratorResult<StreamItem>> | null = null;

	constructor(it: AsyncIterator<StreamItem>) {
		this.#it = it;
	}

	/** The next item; the same promise until take() is called. */
	peek(): Promise<IteratorResult<StreamItem>> {
		this.#pending ??= this.#it.next();
		return this.#pending;
	}

	take(): void {
		this.#pending = null;
	}
}

/**
 * Reads the stream until `judge` has a verdict for every name or `ms` pass. Resolves with the
 * names still undecided and the ones that failed, with how (`exit 3`, `deleted`).
 */
export async function waitForServices(
	stream: StreamReader,
	names: Iterable<string>,
	ms: number,
	judge: (name: string, item: EventItem | null, snapshot: ServiceStatus | null) => Verdict,
	onItem?: (item: EventItem) => void,
): Promise<{ pending: Set<string>; failed: Map<string, string> }> {
	const pending = new Set(names);
	const failed = new Map<string, string>();
	const decide = (name: string, verdict: Verdict, why: () => string): void => {
		if (verdict === null || !pending.has(name)) return;
		pending.delete(name);
		if (verdict === 'failed') failed.set(name, why());
	};
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<'timeout'>(resolve => {
		if (Number.isFinite(ms)) timer = setTimeout(() => resolve('timeout'), ms);
	});
	try {
		while (pending.size > 0) {
			const next = await Promise.race([stream.peek(), timeout]);
			if (next === 'timeout' || next.done) break;
			stream.take();
			const item = next.value;
			if (item.kind === 'event') onItem?.(item);
			if (item.kind === 'resync') {
				for (const name of [...pending]) {
					const snap = item.snapshot.services.get(name) ?? null;
					decide(name, judge(name, null, snap), () =>
						snap?.exit ? `${snap.exit.reason} ${snap.exit.value}` : (snap?.state ?? 'deleted'),
					);
				}
			} else if ((item.topic === 'service.state' || item.topic === 'service.status') && item.subject !== undefined) {
				const e = item.event;
				decide(item.subject, judge(item.subject, item, null), () =>
					e?.type === 'service.status'
						? 'not ready within its ready timeout'
						: e?.type !== 'service.state'
							? item.line
							: (exitText(e.reason, e.value) ?? (e.state === 'down' ? 'start cancelled' : e.state)),
				);
			}
		}
	} finally {
		clearTimeout(timer);
	}
	return { pending, failed };
}

/**
 * The events that start and stop wait on: service.state, service.status (readiness) and
 * service.killed (the last two named: never by a glob).
 */
export function statePatterns(names: readonly string[]): string[] {
	return names.flatMap(n => [`service.state:${n}`, `service.status:${n}`, `service.killed:${n}`]);
}

/**
 * Asks for service.status lines on this connection (statedump included); a daemon without the
 * extension (1.1) refuses the pattern and just has none.
 */
export async function withStatus(client: Client, signal?: AbortSignal): Promise<void> {
	await client.subscribe(['service.status'], signal ? { signal } : {}).catch((error: unknown) => {
		if (!(error instanceof DaemonError)) throw error;
	});
}

/**
 * A statedump with each service's service.mode line (held, enabled) and service.status line (readiness): the daemon adds them for a
 * connection subscribed to service.mode by name. A daemon without it (1.1) leaves held and
 * enabled null. Before any event stream of the client: a stream narrows the subscriptions.
 */
export async function dumpWithModes(client: Client, signal: AbortSignal | undefined): Promise<Dump> {
	try {
		await client.subscribe(['service.mode'], signal ? { signal } : {});
	} catch (error: unknown) {
		if (!(error instanceof DaemonError)) throw error;
	}
	await withStatus(client, signal);
	return client.statedump(signal ? { signal } : {});
}

/** Every service the arguments name (names, `all`, globs); fails before anything is done if one names none. */
export function requireServices(snapshot: Snapshot, args: readonly string[]): ServiceStatus[] {
	return requireNames(sortedNames(snapshot.services.keys()), args).map(n => snapshot.services.get(n) as ServiceStatus);
}

/** Runs a command, ignoring the daemon error `ignorable` (1.1 text) and rethrowing any other. */
export async function tolerate(promise: Promise<unknown>, ignorable: string): Promise<boolean> {
	try {
		await promise;
		return true;
	} catch (error: unknown) {
		if (error instanceof DaemonError && error.message === ignorable) return false;
		throw error;
	}
}

/** The state an event reports, or a resync snapshot shows (absent: deleted); null if unreadable. */
function reportedState(item: EventItem | null, snap: ServiceStatus | null): string | null {
	if (item === null) return snap?.state ?? 'deleted';
	return item.event?.type === 'service.state' ? item.event.state : null;
}

/**
 * "up", or for a service in `readiness` (it has a readiness method) "ready"; a service that goes
 * down (it exited, failed to execute, or was cancelled), is deleted, or is stopped by the daemon
 * for not being ready in time failed. Remembers which services it saw up, so a `killed` left
 * from an earlier run is not taken for this one's.
 */
export function judgeStarted(readiness: ReadonlySet<string> = new Set()) {
	const upSeen = new Set<string>();
	return (name: string, item: EventItem | null, snap: ServiceStatus | null): Verdict => {
		if (item?.event?.type === 'service.status') {
			const status = readStatusFields(item.event.fields);
			if (status.ready === true) return 'done';
			return status.killed === 'ready_timeout' && upSeen.has(name) ? 'failed' : null;
		}
		const state = reportedState(item, snap);
		if (state === 'up') {
			upSeen.add(name);
			return !readiness.has(name) || (item === null && snap?.status?.ready === true) ? 'done' : null;
		}
		return state === 'down' || state === 'deleted' ? 'failed' : null;
	};
}

/** Down (or deleted): what stop waits for. */
export function judgeStopped(_name: string, item: EventItem | null, snap: ServiceStatus | null): Verdict {
	const state = reportedState(item, snap);
	return state === 'down' || state === 'deleted' ? 'done' : null;
}

/** How often stop asks whether the processes a service left behind have ended. */
const TREE_POLL_MS = 100;

/**
 * Waits until the trees of `names` are empty (service.tree): the daemon stops what a run left
 * behind when its tree was signalled (daemonproxy(8), SERVICES, Process trees). A daemon without
 * service.tree is taken at its word that `down` is the end.
 */
async function waitTreesEmpty(client: Client, names: readonly string[], ms: number): Promise<void> {
	const until = Date.now() + ms;
	let pending = [...names];
	while (pending.length > 0) {
		let trees;
		try {
			trees = await client.serviceTree(pending);
		} catch (error: unknown) {
			if (error instanceof DaemonError) return;
			throw error;
		}
		pending = pending.filter(n => (trees.get(n)?.pids.length ?? 0) > 0);
		if (pending.length === 0) return;
		if (Date.now() >= until) {
			const left = pending.map(n => `${n} (pid ${trees.get(n)?.pids.join(' ') ?? '?'})`).join(', ');
			throw new DeadlineError(`timed out waiting for the processes left behind by ${left} to end`);
		}
		await new Promise(resolve => setTimeout(resolve, TREE_POLL_MS));
	}
}

/** What stop reports: the services it waited for, and those it had to kill. */
export interface StopResult {
	readonly stopped: readonly string[];
	readonly killed: ReadonlyArray<{ name: string; pid: number; grace: number }>;
}

/**
 * service.stop for every service in `services` (held down: no automatic restart), then waits for
 * those that ran to go down. With `kill`, the daemon sends SIGKILL to those still up after
 * `ms` and dpctl waits KILL_GRACE_SECONDS more; each kill is reported on stderr.
 */
export async function stopAndWaitDown(
	client: Client,
	stream: StreamReader,
	services: readonly ServiceStatus[],
	options: { signal: string; kill: boolean; ms: number },
): Promise<StopResult> {
	const names = services.map(s => s.name);
	const until = Date.now() + options.ms;
	if (names.length === 0) return { stopped: [], killed: [] };
	const graceSeconds = Math.max(1, Math.floor(options.ms / 1000));
	await client.serviceStop(names, { grace: options.kill ? graceSeconds : null, stopSignal: options.signal });
	// A pending start is cancelled, which is a `down` too.
	const running = services.filter(s => s.state !== 'down').map(s => s.name);
	const killed: Array<{ name: string; pid: number; grace: number }> = [];
	const onKill = (item: EventItem): void => {
		if (item.event?.type !== 'service.killed') return;
		const { name, pid, grace } = item.event;
		killed.push({ name, pid, grace });
		stderr().text(`dpctl: ${displayWire(name)} did not stop within ${grace} s: sent SIGKILL (pid ${pid})`);
	};
	const waitMs = options.kill ? graceSeconds * 1000 + KILL_GRACE_SECONDS * 1000 : options.ms;
	const { pending } = await waitForServices(stream, running, waitMs, judgeStopped, onKill);
	if (pending.size > 0) {
		throw new DeadlineError(
			`timed out waiting for ${[...pending].join(', ')} to stop${options.kill ? ' (even after SIGKILL)' : ' (try --kill)'}`,
		);
	}
	const left = Math.max(until - Date.now(), 0) + (options.kill ? KILL_GRACE_SECONDS * 1000 : 0);
	await waitTreesEmpty(client, running, left);
	return { stopped: names, killed };
}

/** Entries the daemon provides at each start rather than as a handle (daemonproxy(8), service.fds). */
const PER_START_ENTRIES = new Set(['-', '', 'output', 'ready']);

/** Handles a service names that the snapshot does not have. */
function missingHandles(service: ServiceStatus, snapshot: Snapshot): string[] {
	return service.fds.filter(
		fd => !PER_START_ENTRIES.has(fd) && !fd.startsWith('control.') && !snapshot.handles.has(fd),
	);
}

/** Why a start of `service` would fail, as far as the snapshot tells; null when it looks startable. */
function whyNotStartable(service: ServiceStatus, snapshot: Snapshot): string | null {
	if (service.args.length === 0 || service.args[0] === '') return 'it has no program (set one with service.args)';
	const missing = missingHandles(service, snapshot);
	if (missing.length > 0) return missing.map(h => `handle "${h}" does not exist`).join(', ');
	return null;
}

/** Fails (exit 1) naming every service that the snapshot shows cannot start. */
export function checkStartable(services: readonly ServiceStatus[], snapshot: Snapshot): void {
	const refusals = services.flatMap(s => {
		const why = whyNotStartable(s, snapshot);
		return why === null ? [] : [`${displayWire(s.name)}: ${why}`];
	});
	if (refusals.length > 0) throw new CliError(EXIT.daemon, `dpctl: error: cannot start ${refusals.join('; ')}`);
}

/**
 * Starts every service in `services` that is not up (ending any hold of service.stop) and waits
 * for `up`. What the snapshot shows cannot start is refused first, before anything is started.
 */
export async function startAndWaitUp(
	client: Client,
	stream: StreamReader,
	services: readonly ServiceStatus[],
	snapshot: Snapshot,
	ms: number,
): Promise<string[]> {
	checkStartable(services, snapshot);
	// Those with a readiness method (their service.status says ready yes or no, not -) are waited
	// for until ready, not only up.
	const readiness = new Set(services.filter(s => (s.status?.ready ?? null) !== null).map(s => s.name));
	const asked: string[] = [];
	for (const s of services) {
		if (s.state === 'up') {
			// Still running after a stop: supervised again; wait only for readiness not yet reached.
			if (s.held === true) await client.serviceStart(s.name);
			if (readiness.has(s.name) && s.status?.ready !== true) asked.push(s.name);
			continue;
		}
		// One that came up since the snapshot is started: nothing to wait for.
		if (await tolerate(client.serviceStart(s.name), 'service is not startable')) asked.push(s.name);
	}
	const { pending, failed } = await waitForServices(stream, asked, ms, judgeStarted(readiness));
	if (failed.size > 0) {
		const why = [...failed].map(([name, how]) => `${name} (${explainFailure(how)})`).join(', ');
		throw new CliError(EXIT.daemon, `dpctl: error: failed to start: ${why}`);
	}
	if (pending.size > 0) {
		const what = [...pending].some(n => readiness.has(n)) ? 'be ready' : 'come up';
		throw new DeadlineError(`timed out waiting for ${[...pending].join(', ')} to ${what}`);
	}
	return services.map(s => s.name);
}

/** 1.1 reports a program that could not be executed as `exit 3`: say what that usually means. */
function explainFailure(how: string): string {
	return how === 'exit 3' ? "exit 3: it exited with status 3, or could not be executed (see the daemon's log)" : how;
}
