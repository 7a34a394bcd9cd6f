// The orderly end of the daemon (daemonproxy(8), SHUTDOWN): on a `--shutdown-on` signal, or when
// an essential service ends for good, every service is stopped — no start from then on, SIGTERM
// to each, SIGKILL to what is left after `--stop-timeout` — and the daemon exits once none runs:
// with the essential service's status when one caused it, else 0. This is how a container's
// PID 1 turns the orchestrator's SIGTERM into a clean stop (tini, dumb-init and s6-overlay do the
// same). Without `--shutdown-on` and essential services nothing here ever acts: 1.1's signals
// stay events only.
// Invariants: begins at most once (a second shutdown signal only brings the SIGKILL forward);
// exits exactly once, bypassing the terminate guard and exec-on-exit (both are for unplanned
// ends); never waits for ever: after SIGKILL the daemon exits within KILL_WAIT_MS anyway.

import type { ServiceStateEvent } from '../protocol/events.js';
import { signalName, signalNumber } from '../protocol/signals.js';
import type { Logger } from '../supervisor/logger.js';
import type { CancelTimer, Clock } from '../supervisor/ports.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/** How long the daemon waits for SIGKILLed services to be reaped before it exits regardless. */
export const KILL_WAIT_MS = 5000;
export const DEFAULT_STOP_TIMEOUT_SECONDS = 10;
const SIGTERM = 15;
const SIGKILL = 9;

export interface ShutdownHost {
	readonly log: Logger;
	readonly clock: Clock;
	readonly supervisor: Supervisor;
	/** Signal a running service's process tree; throws when it is not running. */
	signalService(name: string, signal: number): void;
	/** The end: exit with `status` (no guard, no exec-on-exit). */
	exit(status: number): void;
}

export interface ShutdownSettings {
	/** Signal numbers that start a shutdown (`--shutdown-on`); empty: none does. */
	readonly signals: readonly number[];
	readonly stopTimeoutMs: number;
}

/** The exit status a service's end stands for: its exit code, or 128 + the signal's number. */
export function statusOf(event: Pick<ServiceStateEvent, 'reason' | 'value'>): number {
	if (event.reason === 'signal') return 128 + (signalNumber(event.value ?? '') ?? 0);
	const code = Number(event.value);
	return Number.isInteger(code) ? code : 1;
}

export class Shutdown {
	readonly #host: ShutdownHost;
	readonly #settings: ShutdownSettings;
	readonly #essential = new Set<string>();
	/** The status to exit with once everything is down; null while no shutdown is under way. */
	#status: number | null = null;
	#killed = false;
	#ended = false;
	#cancelKill: CancelTimer | null = null;

	constructor(host: ShutdownHost, settings: ShutdownSettings) {
		this.#host = host;
		this.#settings = settings;
	}

	get underWay(): boolean {
		return this.#status !== null;
	}

	isEssential(name: string): boolean {
		return this.#essential.has(name);
	}

	setEssential(name: string, on: boolean): void {
		if (on) this.#essential.add(name);
		else this.#essential.delete(name);
	}

	/** Every essential service, for /readyz. */
	essentialNames(): string[] {
		return [...this.#essential];
	}

	/** A counted signal arrived (after its `signal` event). */
	signalArrived(signal: number): void {
		if (!this.#settings.signals.includes(signal)) return;
		if (this.#status === null) this.begin(`on ${signalName(signal)}`, 0);
		else if (!this.#killed) {
			this.#host.log.warning(`shutdown: ${signalName(signal)} again: SIGKILL now`);
			this.#kill();
		}
	}

	/** Every service.state event, after it went out: an essential end, or the last service down. */
	serviceChanged(event: ServiceStateEvent): void {
		if (event.state === 'deleted') {
			this.#essential.delete(event.name);
		} else if (event.state === 'down' && this.#essential.has(event.name) && this.#status === null) {
			// The event is one step of a transition: whether a restart follows is known once it ends.
			queueMicrotask(() => this.#essentialDown(event));
		}
		if (this.#status !== null) queueMicrotask(() => this.#finishIfDown());
	}

	/** Stop every service, then exit with `status`. */
	begin(why: string, status: number): void {
		if (this.#status !== null || this.#ended) return;
		this.#status = status;
		const { log, supervisor, clock } = this.#host;
		supervisor.holdStarts();
		const running = supervisor.running();
		const seconds = this.#settings.stopTimeoutMs / 1000;
		log.info(`shutdown ${why}: stopping ${running.length} running services (SIGKILL after ${seconds} s)`);
		this.#signalAll(SIGTERM, running);
		this.#cancelKill = clock.setTimer(this.#settings.stopTimeoutMs, () => this.#kill());
		this.#finishIfDown();
	}

	#essentialDown(event: ServiceStateEvent): void {
		const record = this.#host.supervisor.service(event.name);
		if (this.#status !== null || record?.phase !== 'down') return; // restarting, or already stopping
		const status = statusOf(event);
		this.begin(`because essential service '${event.name}' ended (${event.reason} ${event.value})`, status);
	}

	#kill(): void {
		if (this.#killed) return;
		this.#killed = true;
		this.#cancelKill?.();
		const running = this.#host.supervisor.running();
		for (const { name, pid } of running)
			this.#host.log.warning(`shutdown: SIGKILL to '${name}' (pid ${pid}), still running`);
		this.#signalAll(SIGKILL, running);
		this.#host.clock.setTimer(KILL_WAIT_MS, () => this.#end());
	}

	#signalAll(signal: number, running: ReadonlyArray<{ readonly name: string }>): void {
		for (const { name } of running) {
			try {
				this.#host.signalService(name, signal);
			} catch {
				// exited meanwhile: its reaping is on its way
			}
		}
	}

	#finishIfDown(): void {
		if (this.#status !== null && !this.#ended && this.#host.supervisor.running().length === 0) this.#end();
	}

	#end(): void {
		const status = this.#status;
		if (status === null || this.#ended) return;
		this.#ended = true;
		this.#cancelKill?.();
		this.#host.log.info(`shutdown complete: exit status ${status}`);
		this.#host.exit(status);
	}
}
