// The imperative shell around service-machine.ts: owns the service records, their timers, the
// handle table and the signal counters (and, through tree-stops.ts, what their process trees
// leave behind); performs effects through its ports and emits events.
// Invariant: every state change goes through transition(); events are emitted only after the
// new record is committed. Never throws for run-time failures of children (they become inputs).

import type { DaemonEvent, ServiceStateEvent } from '../protocol/events.js';
import { signalName, parseTriggerName } from '../protocol/signals.js';
import { HandleTable, handleChangeEvent, type Handle } from './handle-table.js';
import type { Logger } from './logger.js';
import { PoolFullError, POOL_MESSAGES, serviceDataBytes, type PoolLimit } from './pools.js';
import {
	newService,
	transition,
	runningPid,
	READY_FD,
	type LeftoverPolicy,
	type Notification,
	type ServiceInput,
	type ServiceRecord,
} from './service-machine.js';
import type { Backoff, RestartLimit } from './restart-policy.js';
import { serviceStatusEvent } from './service-status.js';
import { SignalCounters, type SignalCounter } from './signal-counters.js';
import { ServiceTimers } from './service-timers.js';
import type {
	CancelTimer,
	ChildExit,
	Clock,
	CloseFd,
	ProcessHost,
	ServiceUser,
	TreeProcess,
	TreeUsage,
} from './ports.js';
import { TreeStops } from './tree-stops.js';

const SIGKILL = 9;

/**
 * Supplies the child's end of a service controller socket for `control.*` entries.
 * Exactly one of `spawned`/`failed` runs after the spawn attempt (closing the parent's copy).
 */
export interface ControlEnd {
	readonly childFd: number;
	/** Called after the service's `up` event has been emitted. */
	spawned(pid: number): void;
	failed(): void;
}

export interface ControlPort {
	open(service: string, uses: ReadonlySet<string>): ControlEnd | null;
}

/** The child's end of a readiness pipe (`ready` in service.fds); like ControlEnd. */
export interface ReadyPipe {
	readonly childFd: number;
	spawned(pid: number): void;
	failed(): void;
}

/** Readiness notification: the `ready` pipes and the sd_notify socket (src/daemon/service-readiness.ts). */
export interface ReadinessPort {
	/** A pipe whose first line makes the run of `service` ready; null when none can be made (logged). */
	openPipe(service: string): ReadyPipe | null;
	/** The NOTIFY_SOCKET address, the socket made on first use; null when it cannot be (logged). */
	notifySocket(): string | null;
}

/** The service's end of its output capture pipes (daemonproxy(8), SERVICE OUTPUT). */
export interface OutputPort {
	/** The fd to give the child at position 1 (stdout) or 2 (stderr); null (logged) on failure. */
	childFd(service: string, stream: 'stdout' | 'stderr'): number | null;
}

/** The handle name that means "capture this stream" when no real handle has that name. */
export const OUTPUT_HANDLE = 'output';

export interface SupervisorPorts {
	readonly clock: Clock;
	readonly host: ProcessHost;
	readonly closeFd: CloseFd;
	readonly log: Logger;
	readonly emit: (event: DaemonEvent) => void;
	readonly signalArrived?: (counter: SignalCounter) => void;
	readonly control?: ControlPort;
	readonly readiness?: ReadinessPort;
	readonly output?: OutputPort;
}

/** What a start needs besides the program: the child's descriptors and environment, and their owners. */
interface SpawnResources {
	readonly fds: number[];
	/** KEY=VALUE entries added to the daemon's environment. */
	readonly env: string[];
	readonly control: ControlEnd | null;
	readonly ready: ReadyPipe | null;
}

/** Errnos of a spawn that may succeed later (the fork-retry path); the rest mean "cannot exec". */
const RETRYABLE_SPAWN_ERRORS = new Set(['EAGAIN', 'ENOMEM', 'EMFILE', 'ENFILE']);

export class Supervisor {
	readonly handles: HandleTable;
	readonly signals = new SignalCounters();
	readonly #services = new Map<string, ServiceRecord>();
	readonly #byPid = new Map<number, string>();
	readonly #timers: ServiceTimers;
	/** Per service, the pending ready timeout, watchdog or SIGKILL (ServiceRecord.deadline). */
	readonly #deadlines: ServiceTimers;
	/** The service.status line last emitted per service: a status event only when it changes. */
	readonly #statusSent = new Map<string, string>();
	readonly #trees: TreeStops;
	/** service.stop's escalations to SIGKILL still to come, by service. */
	readonly #killTimers = new Map<string, CancelTimer>();
	readonly #ports: SupervisorPorts;
	/** `--service-pool`: null = no limit. */
	#pool: PoolLimit | null = null;
	/** Set by holdStarts() (shutdown): nothing starts any more. */
	#startsHeld = false;

	constructor(ports: SupervisorPorts) {
		this.#ports = ports;
		this.handles = new HandleTable(change => ports.emit(handleChangeEvent(change)), ports.closeFd);
		this.#timers = new ServiceTimers(ports.clock, name => this.#due(name));
		this.#deadlines = new ServiceTimers(ports.clock, name => this.#apply(name, { kind: 'deadline' }));
		this.#trees = new TreeStops({
			...ports,
			onStopEnded: name => {
				const record = this.#services.get(name);
				if (record?.phase === 'start') this.#timers.set(name, Math.max(record.startAt ?? 0, this.now));
			},
		});
	}

	get now(): number {
		return this.#ports.clock.now();
	}

	service(name: string): ServiceRecord | undefined {
		return this.#services.get(name);
	}

	/** Services in bytewise name order, as a statedump lists them. */
	serviceNames(): string[] {
		return [...this.#services.keys()].sort();
	}

	/**
	 * Limit the number of services and the text each stores. Past the limit, ensure() and
	 * the set* methods throw PoolFullError (1.1 text as message) before changing anything.
	 */
	setServicePool(pool: PoolLimit | null): void {
		this.#pool = pool;
	}

	/**
	 * Create the service if needed (SVC-new); creation emits nothing. Throws PoolFullError when the
	 * pool is full.
	 */
	ensure(name: string): ServiceRecord {
		let record = this.#services.get(name);
		if (!record) {
			if (this.#pool !== null && this.#services.size >= this.#pool.count)
				throw new PoolFullError(POOL_MESSAGES.service);
			record = newService(name);
			this.#services.set(name, record);
		}
		return record;
	}

	setArgs(name: string, args: readonly string[]): void {
		this.#checkSize(name, { args }, POOL_MESSAGES.argv);
		this.#configure(name, { args });
		this.#ports.emit({ type: 'service.args', name, args });
	}

	setFds(name: string, fds: readonly string[]): void {
		this.#checkSize(name, { fds }, POOL_MESSAGES.fds);
		this.#configure(name, { fds });
		this.#ports.emit({ type: 'service.fds', name, fds });
	}

	setTags(name: string, tags: readonly string[]): void {
		this.#checkSize(name, { tags }, POOL_MESSAGES.tags);
		this.#configure(name, { tags });
		this.#ports.emit({ type: 'service.tags', name, tags });
	}

	/** service.user, resolved by the caller; null = the daemon's credentials. Emits nothing (no 1.1 line). */
	setUser(name: string, user: ServiceUser | null): void {
		this.#configure(name, { user });
	}

	/** service.leftovers: the policy, and the seconds from SIGTERM to SIGKILL of any tree stop. */
	setLeftovers(name: string, policy: LeftoverPolicy, graceSeconds: number): void {
		this.#configure(name, { leftovers: policy, stopGrace: graceSeconds });
	}

	/**
	 * The work of service.auto_up once its arguments are checked; `interval` null keeps the stored
	 * one. Triggers must be validated already.
	 */
	setAutoUp(name: string, interval: number | null, triggers: readonly string[]): void {
		this.#checkSize(name, { triggers }, POOL_MESSAGES.triggers);
		const record = this.#configure(name, { triggers, ...(interval === null ? {} : { interval }) });
		if (this.#triggered(record)) this.#apply(name, { kind: 'request', at: this.now });
		const stored = this.#services.get(name) ?? record;
		this.#ports.emit({ type: 'service.auto_up', name, interval: stored.interval, triggers: stored.triggers });
	}

	/** Schedule a start at `at` (monotonic ms), by hand (clears `failed`); the caller has checked startability. */
	requestStart(name: string, at: number): void {
		const delayMs = at - this.now;
		if (delayMs >= 1000) this.#ports.log.debug(`start service "${name}" in ${Math.floor(delayMs / 1000)} seconds`);
		this.#apply(name, { kind: 'request', at, manual: true });
	}

	/** service.env: the entries (KEY=VALUE, checked) replace the previous ones; applies from the next start. */
	setEnv(name: string, env: readonly string[]): void {
		this.#checkSize(name, { env }, POOL_MESSAGES.env);
		this.#configure(name, { env });
	}

	/** service.notify; `watchdogMs` 0 = no watchdog. Applies from the next start. */
	setNotify(name: string, notify: boolean, watchdogMs: number): void {
		this.#configure(name, { notify, watchdogMs: notify ? watchdogMs : 0 });
		this.#emitStatus(name);
	}

	/** service.ready_timeout; 0 = none. Applies from the next start. */
	setReadyTimeout(name: string, ms: number): void {
		this.#configure(name, { readyTimeoutMs: ms });
	}

	setBackoff(name: string, backoff: Backoff | null): void {
		this.#configure(name, { backoff });
	}

	setRestartLimit(name: string, limit: RestartLimit | null): void {
		this.#configure(name, { restartLimit: limit });
	}

	/** The service whose main process is `pid`, if any. */
	serviceOfPid(pid: number): string | undefined {
		return this.#byPid.get(pid);
	}

	/** A readiness message from the run whose main process is `pid` (the caller checked the sender). */
	notified(name: string, pid: number, note: Notification): void {
		this.#apply(name, { kind: 'notified', pid, note });
	}

	cancelStart(name: string): boolean {
		if (this.#services.get(name)?.phase !== 'start') return false;
		this.#apply(name, { kind: 'cancel' });
		return true;
	}

	/**
	 * The daemon is shutting down: no start from now on. Pending starts are cancelled; requests,
	 * triggers and automatic restarts are ignored. Cannot be undone.
	 */
	holdStarts(): void {
		this.#startsHeld = true;
		for (const [name, record] of this.#services) if (record.phase === 'start') this.#apply(name, { kind: 'cancel' });
	}

	/**
	 * service.stop, once its arguments are checked: hold the service down (no automatic starts until
	 * release()), cancel a pending start, send `signal` to a running process and, `graceMs` later
	 * (null: never), SIGKILL if that same process still runs. Returns the failure text of the
	 * signal, if it could not be sent.
	 */
	stop(name: string, signal: number, graceMs: number | null): string | null {
		this.#setMode(name, { held: true });
		this.cancelStart(name);
		this.#cancelKill(name);
		const pid = this.#running(name);
		if (pid === null) return null;
		try {
			this.signalService(name, signal, true);
		} catch (error: unknown) {
			return (error as Error).message;
		}
		if (graceMs !== null) {
			const cancel = this.#ports.clock.setTimer(graceMs, () => {
				this.#killTimers.delete(name);
				if (this.#running(name) !== pid) return;
				this.#ports.log.warning(`service '${name}' did not stop within ${graceMs / 1000} s: sending SIGKILL`);
				try {
					this.signalService(name, SIGKILL, true);
				} catch (error: unknown) {
					this.#ports.log.error(`kill(${pid}, SIGKILL): ${(error as Error).message}`);
					return;
				}
				this.#ports.emit({ type: 'service.killed', name, pid, grace: graceMs / 1000 });
			});
			this.#killTimers.set(name, cancel);
		}
		return null;
	}

	/** service.start: supervision as configured again (the hold of service.stop ends). */
	release(name: string): void {
		this.#cancelKill(name);
		this.#setMode(name, { held: false });
	}

	/**
	 * service.enable/service.disable: whether the configured automatic starts apply. Enabling a
	 * service that is down, not held and triggered (`always`) starts it, as service.auto_up would.
	 */
	setEnabled(name: string, enabled: boolean): void {
		const record = this.#setMode(name, { disabled: !enabled });
		if (enabled && record && record.phase === 'down' && this.#triggered(record)) {
			this.#apply(name, { kind: 'request', at: this.now });
		}
	}

	/** The service.mode event of a record. */
	modeEvent(record: ServiceRecord): DaemonEvent {
		return { type: 'service.mode', name: record.name, held: record.held, enabled: !record.disabled };
	}

	/**
	 * The one way a service's process is signalled (service.signal, service.stop and its SIGKILL,
	 * shutdown, ready timeout, watchdog): to the running main process, or with `group` to every
	 * process of its tree (daemonproxy(8), SERVICES, Process trees); throws the host's error.
	 */
	signalService(name: string, signal: number, group = false): void {
		const pid = this.#running(name);
		if (pid === null) throw new Error('service is not running');
		this.#ports.log.debug(`Sending signal ${signal} to service "${name}" pid ${pid}${group ? ' and its tree' : ''}`);
		if (group) this.#trees.signal(name, pid, signal);
		else this.#ports.host.kill(pid, signal);
	}

	/**
	 * Stops the whole tree of the service's last run, running or not: SIGTERM now to every process
	 * of it, SIGKILL after `graceSeconds` (default: the service's, service.leftovers) to what is
	 * left, which is logged and reported as a `service.leftover kill` event. A start that falls due
	 * meanwhile waits for the grace to end, so that no new run shares the tree being killed.
	 * False when the tree is empty.
	 */
	stopTree(name: string, graceSeconds?: number): boolean {
		const record = this.#services.get(name);
		return record !== undefined && this.#trees.stop(name, graceSeconds ?? record.stopGrace);
	}

	/** Whether a tree stop of the service is waiting for its grace to end. */
	isStoppingTree(name: string): boolean {
		return this.#trees.stopping(name);
	}

	/** The service's tree now (processes and cgroup figures), for status. */
	treeStatus(name: string): { processes: TreeProcess[]; usage: TreeUsage } | null {
		if (!this.#services.has(name)) return null;
		return { processes: this.#trees.tree(name)?.processes ?? [], usage: this.#ports.host.usage(name) };
	}

	isRunning(name: string): boolean {
		return this.#running(name) !== null;
	}

	delete(name: string): void {
		this.#timers.cancel(name);
		this.#deadlines.cancel(name);
		this.#cancelKill(name);
		this.#services.delete(name);
		this.#statusSent.delete(name);
		this.#trees.forget(name);
		this.#ports.host.release(name);
		this.#ports.emit({
			type: 'service.state',
			name,
			state: 'deleted',
			ts: null,
			pid: null,
			reason: null,
			value: null,
			uptime: null,
			downtime: null,
		});
	}

	/** A caught signal arrived: count it, start its triggered services, then tell controllers. */
	signalArrived(signal: number): void {
		const counter = this.signals.arrive(signal, this.now);
		for (const [name, record] of this.#services) {
			if (record.phase !== 'up' && !record.held && !record.disabled && this.#triggerSignals(record).includes(signal)) {
				this.#apply(name, { kind: 'request', at: this.now });
			}
		}
		this.#ports.signalArrived?.(counter);
	}

	childrenExited(reaped: readonly ChildExit[]): void {
		for (const child of reaped) {
			const name = this.#byPid.get(child.pid);
			if (name === undefined) {
				this.#ports.log.debug(`reaped orphan pid ${child.pid}`);
				continue;
			}
			this.#byPid.delete(child.pid);
			const record = this.#services.get(name);
			if (!record || record.pid !== child.pid) continue;
			const input: ServiceInput =
				child.code !== null
					? { kind: 'exited', reason: 'exit', value: String(child.code), autoStart: this.#triggered(record) }
					: {
							kind: 'exited',
							reason: 'signal',
							value: signalName(child.signal ?? 0),
							autoStart: this.#triggered(record),
						};
			this.#apply(name, input);
			this.#trees.mainExited(record, child.pid);
		}
	}

	/** The service.state event for a record as it is now. */
	stateEvent(record: ServiceRecord): ServiceStateEvent {
		const now = this.now;
		const sec = (ms: number): number => Math.floor(ms / 1000);
		const base = { type: 'service.state', name: record.name } as const;
		switch (record.phase) {
			case 'start':
				return {
					...base,
					state: 'start',
					ts: sec(record.startAt ?? now),
					pid: null,
					reason: null,
					value: null,
					uptime: null,
					downtime: null,
				};
			case 'up':
				return {
					...base,
					state: 'up',
					ts: sec(record.upSince ?? now),
					pid: record.pid,
					reason: null,
					value: null,
					uptime: sec(now - (record.upSince ?? now)),
					downtime: null,
				};
			case 'down': {
				const exit = record.exit;
				if (!exit)
					return {
						...base,
						state: 'down',
						ts: null,
						pid: null,
						reason: null,
						value: null,
						uptime: null,
						downtime: null,
					};
				return {
					...base,
					state: 'down',
					ts: sec(exit.at),
					pid: record.pid,
					reason: exit.reason,
					value: exit.value,
					uptime: sec(exit.ranMs),
					downtime: sec(now - exit.at),
				};
			}
		}
	}

	/** The five statedump lines of a service, in order, and its service.status line when `withStatus`. */
	serviceDump(record: ServiceRecord, withStatus = false): DaemonEvent[] {
		const { name } = record;
		const lines: DaemonEvent[] = [
			this.stateEvent(record),
			{ type: 'service.tags', name, tags: record.tags },
			{ type: 'service.args', name, args: record.args },
			{ type: 'service.fds', name, fds: record.fds },
			{ type: 'service.auto_up', name, interval: record.interval, triggers: record.triggers },
		];
		if (withStatus) lines.push(serviceStatusEvent(record));
		return lines;
	}

	/** Pids of running services, for the exit log. */
	running(): Array<{ name: string; pid: number }> {
		const result: Array<{ name: string; pid: number }> = [];
		for (const record of this.#services.values()) {
			const pid = runningPid(record);
			if (pid !== null) result.push({ name: record.name, pid });
		}
		return result;
	}

	#running(name: string): number | null {
		const record = this.#services.get(name);
		return record ? runningPid(record) : null;
	}

	/** The pool's object size bounds the service's stored text; creates nothing. */
	#checkSize(
		name: string,
		change: Partial<Pick<ServiceRecord, 'args' | 'fds' | 'tags' | 'triggers' | 'env'>>,
		message: string,
	): void {
		if (this.#pool === null) return;
		const current = this.#services.get(name);
		if (!current && this.#services.size >= this.#pool.count) throw new PoolFullError(POOL_MESSAGES.service);
		const record = { ...(current ?? newService(name)), ...change };
		if (serviceDataBytes(record) > this.#pool.size) throw new PoolFullError(message);
	}

	#configure(name: string, change: Partial<ServiceRecord>): ServiceRecord {
		const record = { ...this.ensure(name), ...change };
		this.#services.set(name, record);
		return record;
	}

	#triggerSignals(record: ServiceRecord): number[] {
		const result: number[] = [];
		for (const trigger of record.triggers) {
			const parsed = parseTriggerName(trigger);
			if (typeof parsed === 'number') result.push(parsed);
		}
		return result;
	}

	/** Changes the hold or the enabling, emitting service.mode when it changed; the new record. */
	#setMode(name: string, change: { held?: boolean; disabled?: boolean }): ServiceRecord | undefined {
		const record = this.#services.get(name);
		if (!record) return undefined;
		const next = { ...record, ...change };
		if (next.held === record.held && next.disabled === record.disabled) return record;
		this.#services.set(name, next);
		this.#ports.emit(this.modeEvent(next));
		return next;
	}

	#cancelKill(name: string): void {
		this.#killTimers.get(name)?.();
		this.#killTimers.delete(name);
	}

	/**
	 * Auto-start applies: not held down nor disabled, and `always` or a trigger signal is pending
	 * (daemonproxy(8), SERVICES).
	 */
	#triggered(record: ServiceRecord): boolean {
		if (record.held || record.disabled) return false;
		if (this.#startsHeld) return false;
		if (record.triggers.includes('always')) return true;
		return this.#triggerSignals(record).some(signal => this.signals.pending(signal) > 0);
	}

	#apply(name: string, input: ServiceInput): void {
		const record = this.#services.get(name);
		if (!record || (this.#startsHeld && input.kind === 'request')) return;
		const { record: next, effects } = transition(record, input, this.now);
		this.#services.set(name, next);
		if (next.phase === 'up' && next.pid !== null) this.#byPid.set(next.pid, name);
		for (const effect of effects) {
			switch (effect.kind) {
				case 'emitState':
					this.#ports.emit(this.stateEvent(effect.record));
					break;
				case 'schedule':
					this.#timers.set(name, effect.at);
					break;
				case 'unschedule':
					this.#timers.cancel(name);
					break;
				case 'deadline':
					if (effect.at === null) this.#deadlines.cancel(name);
					else this.#deadlines.set(name, effect.at);
					break;
				case 'signal':
					// Through signalService, so that the ready timeout and the watchdog reach what it reaches.
					try {
						this.signalService(name, effect.signal, false);
					} catch (error: unknown) {
						this.#ports.log.debug(`kill(${effect.pid}, ${effect.signal}): ${(error as Error).message}`);
					}
					break;
				case 'log':
					this.#ports.log[effect.level === 'warn' ? 'warning' : effect.level](effect.text);
					break;
			}
		}
		this.#emitStatus(name);
	}

	/** The service.status event (an explicit-only topic: 1.1 connections never see it), when it changed. */
	#emitStatus(name: string): void {
		const record = this.#services.get(name);
		if (!record) return;
		const event = serviceStatusEvent(record);
		const key = event.fields.join('\t');
		if (this.#statusSent.get(name) === key) return;
		this.#statusSent.set(name, key);
		this.#ports.emit(event);
	}

	/** A scheduled start is due: resolve the descriptor list and spawn. */
	#due(name: string): void {
		const record = this.#services.get(name);
		if (record?.phase !== 'start') return;
		// The previous run's tree is being stopped: this start follows the SIGKILL (onStopEnded).
		if (this.#trees.stopping(name)) return;
		const { log } = this.#ports;
		const autoStart = this.#triggered(record);
		const program = record.args[0];
		if (program === undefined || program === '') {
			log.error(`service '${name}' has no args configured`);
			this.#apply(name, { kind: 'spawnFailed', retry: false, autoStart });
			return;
		}
		const plan = this.#resolveFds(record);
		if ('retry' in plan) {
			if (plan.retry) log.info('will retry in 3 seconds');
			this.#apply(name, { kind: 'spawnFailed', retry: plan.retry, autoStart });
			return;
		}
		log.debug(`start service "${name}" now`);
		const outcome = this.#ports.host.spawn({
			argv: record.args,
			fds: plan.fds,
			env: plan.env,
			service: name,
			user: record.user,
		});
		if (outcome.ok) {
			this.#trees.started(name, outcome.pid);
			this.#apply(name, { kind: 'spawned', pid: outcome.pid });
			plan.control?.spawned(outcome.pid); // after the `up` event, which a controller hears first
			plan.ready?.spawned(outcome.pid);
			return;
		}
		plan.control?.failed();
		plan.ready?.failed();
		if (RETRYABLE_SPAWN_ERRORS.has(outcome.code)) {
			log.error(`fork failed: ${outcome.message}`);
			log.info('will retry in 3 seconds');
			this.#apply(name, { kind: 'spawnFailed', retry: true, autoStart });
		} else {
			log.error(`exec(${program}, ...) failed: ${outcome.message}`);
			this.#apply(name, { kind: 'spawnFailed', retry: false, autoStart });
		}
	}

	/** The capture pipe for `output` at `position`; only stdout and stderr can be captured. */
	#outputFd(service: string, position: number): { fd: number } | { retry: boolean } {
		if (position !== 1 && position !== 2) {
			this.#ports.log.error(`service '${service}': handle "output" can only be at positions 1 and 2, not ${position}`);
			return { retry: false };
		}
		const fd = this.#ports.output?.childFd(service, position === 1 ? 'stdout' : 'stderr') ?? null;
		// No pipe (EMFILE…): like a failed fork, it may work later.
		return fd === null ? { retry: true } : { fd };
	}

	/**
	 * The child's descriptors. A missing handle cannot be fixed by waiting (exit 3); a missing
	 * controller socket (limit reached, EMFILE) is retried like a failed fork.
	 */
	#resolveFds(record: ServiceRecord): SpawnResources | { retry: boolean } {
		const env = [...record.env];
		if (record.notify) {
			const address = this.#ports.readiness?.notifySocket() ?? null;
			if (address === null) return { retry: true };
			env.push(`NOTIFY_SOCKET=${address}`);
			if (record.watchdogMs > 0) env.push(`WATCHDOG_USEC=${record.watchdogMs * 1000}`);
		}
		let ready: ReadyPipe | null = null;
		if (record.fds.includes(READY_FD)) {
			ready = this.#ports.readiness?.openPipe(record.name) ?? null;
			if (!ready) return { retry: true };
		}
		const uses = new Set(record.fds.filter(entry => entry.startsWith('control.')));
		let control: ControlEnd | null = null;
		if (uses.size > 0) {
			control = this.#ports.control?.open(record.name, uses) ?? null;
			if (!control) {
				this.#ports.log.error(`can't allocate controller object for service '${record.name}'`);
				ready?.failed();
				return { retry: true };
			}
		}
		const fds: number[] = [];
		for (const entry of record.fds) {
			// `-` closes the position; an empty entry does too (1.1 shifted later entries down).
			if (entry === '-' || entry === '') {
				fds.push(-1);
				continue;
			}
			if (control && uses.has(entry)) {
				fds.push(control.childFd);
				continue;
			}
			if (ready && entry === READY_FD) {
				fds.push(ready.childFd);
				continue;
			}
			const handle: Handle | undefined = this.handles.get(entry);
			if (entry === OUTPUT_HANDLE && !handle && this.#ports.output) {
				const capture = this.#outputFd(record.name, fds.length);
				if ('retry' in capture) {
					control?.failed();
					ready?.failed();
					return capture;
				}
				fds.push(capture.fd);
				continue;
			}
			if (!handle || handle.fd === null) {
				this.#ports.log.error(`file descriptor "${entry}" does not exist`);
				control?.failed();
				ready?.failed();
				return { retry: false };
			}
			fds.push(handle.fd);
		}
		return { fds, env, control, ready };
	}
}
