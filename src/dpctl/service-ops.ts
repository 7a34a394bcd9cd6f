// The steps behind dpctl start, stop and restart: send the commands, then wait on the event
// stream for each service to reach the wanted state, with a deadline and, for stop,
// an optional escalation to SIGKILL. The stream is opened before any command, so no state change
// can slip between a command and the wait.
// Must never treat a state the daemon did not report as reached.

import type { Client } from '../client/client.js';
import { DaemonError } from '../client/errors.js';
import type { EventItem, StreamItem } from '../client/event-stream.js';
import type { ServiceStatus, Snapshot } from '../client/snapshot.js';
import { readStatusFields } from '../protocol/service-status.js';
import { exitText } from './describe-event.js';
import { CliError, DeadlineError, EXIT } from './exit-codes.js';

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

/** service.state and service.status (readiness) patterns for these names. */
export function statePatterns(names: readonly string[]): string[] {
	return names.flatMap(n => [`service.state:${n}`, `service.status:${n}`]);
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

/** Stops with a daemon-side error for any name the snapshot does not have. */
export function requireServices(snapshot: Snapshot, names: readonly string[]): ServiceStatus[] {
	const missing = names.filter(n => !snapshot.services.has(n));
	if (missing.length > 0) throw new CliError(EXIT.daemon, `dpctl: error: no such service: ${missing.join(', ')}`);
	return names.map(n => snapshot.services.get(n) as ServiceStatus);
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

/**
 * Signals the whole tree of every running service in `names` and waits for it to go down, then
 * for what its tree left behind to end; with `kill`, sends SIGKILL to the trees of those still up
 * at the deadline and waits KILL_GRACE_SECONDS more.
 */
export async function signalAndWaitDown(
	client: Client,
	stream: StreamReader,
	running: readonly string[],
	options: { signal: string; kill: boolean; ms: number },
): Promise<void> {
	const until = Date.now() + options.ms;
	const group = { group: true };
	for (const name of running)
		await tolerate(client.serviceSignal(name, options.signal, group), 'service is not running');
	let { pending } = await waitForServices(stream, running, options.ms, judgeStopped);
	if (pending.size > 0 && options.kill) {
		for (const name of pending) await tolerate(client.serviceSignal(name, 'KILL', group), 'service is not running');
		({ pending } = await waitForServices(stream, [...pending], KILL_GRACE_SECONDS * 1000, judgeStopped));
	}
	if (pending.size > 0) {
		throw new DeadlineError(
			`timed out waiting for ${[...pending].join(', ')} to stop${options.kill ? ' (even after SIGKILL)' : ' (try --kill)'}`,
		);
	}
	const left = Math.max(until - Date.now(), 0) + (options.kill ? KILL_GRACE_SECONDS * 1000 : 0);
	await waitTreesEmpty(client, running, left);
}

/**
 * Starts each service (already running is fine) and waits for `up`, or for readiness when the
 * service has a readiness method (its service.status says `ready` yes or no, not -).
 */
export async function startAndWaitUp(
	client: Client,
	stream: StreamReader,
	names: readonly string[],
	ms: number,
): Promise<void> {
	await withStatus(client);
	const before = (await client.statedump()).snapshot;
	const readiness = new Set(names.filter(n => (before.services.get(n)?.status?.ready ?? null) !== null));
	const asked: string[] = [];
	for (const name of names) {
		if (await tolerate(client.serviceStart(name), 'service is not startable')) asked.push(name);
	}
	const already = names.filter(n => !asked.includes(n));
	if (already.length > 0) {
		const { snapshot } = await client.statedump();
		const stuck = already.filter(n => snapshot.services.get(n)?.state !== 'up');
		if (stuck.length > 0)
			throw new CliError(EXIT.daemon, `dpctl: error: service is not startable: ${stuck.join(', ')}`);
		// Running but not ready yet: wait for it like for the others.
		asked.push(...already.filter(n => readiness.has(n) && snapshot.services.get(n)?.status?.ready !== true));
	}
	const { pending, failed } = await waitForServices(stream, asked, ms, judgeStarted(readiness));
	if (failed.size > 0) {
		const why = [...failed].map(([name, how]) => `${name} (${how})`).join(', ');
		throw new CliError(EXIT.daemon, `dpctl: error: failed to start: ${why}`);
	}
	if (pending.size > 0) {
		const what = [...pending].some(n => readiness.has(n)) ? 'be ready' : 'come up';
		throw new DeadlineError(`timed out waiting for ${[...pending].join(', ')} to ${what}`);
	}
}
