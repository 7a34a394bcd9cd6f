// The process trees of services (daemonproxy(8), SERVICES, Process trees): reports what a run leaves
// behind, applies the leftover policy, and stops trees (SIGTERM, then SIGKILL after a grace).
// Owns which trees are being stopped and which runs had their whole tree signalled. Every effect
// goes through the ProcessHost and Clock ports; never starts anything (the supervisor does, once
// `onStopEnded` says a tree is gone).

import type { DaemonEvent } from '../protocol/events.js';
import type { Logger } from './logger.js';
import type { CancelTimer, Clock, ProcessHost, TreeProcess } from './ports.js';
import type { ServiceRecord } from './service-machine.js';

const SIGTERM = 15;
const SIGKILL = 9;
/** SIGINT, SIGQUIT, SIGKILL, SIGTERM: the signals that ask a whole tree to end. */
const STOP_SIGNALS: ReadonlySet<number> = new Set([2, 3, SIGKILL, SIGTERM]);

/** `2 processes: 4711 (sleep), 4712 (sh)`, at most 10 named. */
export function describeProcesses(list: readonly TreeProcess[]): string {
	const named = list.slice(0, 10).map(p => `${p.pid} (${p.command})`);
	if (list.length > 10) named.push(`… ${list.length - 10} more`);
	return `${list.length} process${list.length === 1 ? '' : 'es'}: ${named.join(', ')}`;
}

export interface TreePorts {
	readonly host: ProcessHost;
	readonly clock: Clock;
	readonly log: Logger;
	readonly emit: (event: DaemonEvent) => void;
	/** A tree stop of `name` ended (its grace is over): a start that waited may run now. */
	readonly onStopEnded: (name: string) => void;
}

export class TreeStops {
	readonly #ports: TreePorts;
	/** The run (main pid) of each service whose whole tree was last signalled (service.signal … group). */
	readonly #signalled = new Map<string, number>();
	/** Tree stops waiting for their grace to end. */
	readonly #stops = new Map<string, { cancel: CancelTimer; leader: number }>();
	/**
	 * The leader (main pid) of each service's latest run while its tree may have processes. Without
	 * a cgroup the tree is found by that id, which the kernel reuses only once the group and session
	 * are empty: so a tree seen empty is forgotten, never looked up again.
	 */
	readonly #live = new Map<string, number>();

	constructor(ports: TreePorts) {
		this.#ports = ports;
	}

	/** A run started: its tree is led by `pid`. */
	started(name: string, pid: number): void {
		this.#live.set(name, pid);
	}

	/** The live processes of the service's latest run (none once seen empty). */
	tree(name: string): { leader: number; processes: TreeProcess[] } | null {
		const leader = this.#live.get(name);
		if (leader === undefined) return null;
		const processes = this.#ports.host.tree(name, leader);
		if (processes.length === 0) this.#live.delete(name);
		return processes.length === 0 ? null : { leader, processes };
	}

	/** Whether a stop of the service's tree waits for its grace to end. */
	stopping(name: string): boolean {
		return this.#stops.has(name);
	}

	/**
	 * `signal` to every process of the running tree led by `leader`. A terminating signal (TERM,
	 * INT, QUIT, KILL) makes it a stop: when the run then ends, what is left is stopped quietly.
	 */
	signal(name: string, leader: number, signal: number): void {
		this.#ports.host.signalTree(name, leader, signal);
		if (STOP_SIGNALS.has(signal)) this.#signalled.set(name, leader);
	}

	/** SIGTERM to the tree now, SIGKILL after `graceSeconds` to what is left; false when it is empty. */
	stop(name: string, graceSeconds: number): boolean {
		const tree = this.tree(name);
		if (tree === null) return false;
		this.#ports.host.signalTree(name, tree.leader, SIGTERM);
		this.#armKill(name, tree.leader, graceSeconds);
		return true;
	}

	/** The main process `leader` of a run exited: report what of its tree remains and apply the policy. */
	mainExited(record: ServiceRecord, leader: number): void {
		const { name } = record;
		// A run ended after a stop signal to its whole tree: its leftovers go, whatever the policy.
		const stopping = this.#signalled.get(name) === leader;
		this.#signalled.delete(name);
		if (this.#stops.has(name)) return; // a stop is under way: its SIGKILL reports
		const { host, log, emit } = this.#ports;
		const left = this.tree(name)?.processes ?? [];
		if (left.length === 0) return;
		// The tree was asked to end with the run: what is left was signalled too and is probably
		// ending now. Only what is still there at the end of the grace is reported (`kill`).
		if (stopping) {
			host.signalTree(name, leader, SIGTERM);
			this.#armKill(name, leader, record.stopGrace);
			return;
		}
		const what = `service '${name}' exited leaving ${describeProcesses(left)}`;
		const pids = left.map(p => p.pid);
		if (record.leftovers === 'leave') {
			log.warning(`${what} (left alone: service.leftovers ${name} leave)`);
			emit({ type: 'service.leftover', name, action: 'leave', pids });
			return;
		}
		log.warning(`${what}: sending SIGTERM, SIGKILL after ${record.stopGrace} s`);
		emit({ type: 'service.leftover', name, action: 'stop', pids });
		host.signalTree(name, leader, SIGTERM);
		this.#armKill(name, leader, record.stopGrace);
	}

	/** The service is deleted: a tree still being stopped gets its SIGKILL now, nothing would send it later. */
	forget(name: string): void {
		const stop = this.#stops.get(name);
		if (stop) {
			stop.cancel();
			this.#stops.delete(name);
			this.#ports.host.signalTree(name, stop.leader, SIGKILL);
		}
		this.#signalled.delete(name);
		this.#live.delete(name);
	}

	#armKill(name: string, leader: number, graceSeconds: number): void {
		this.#stops.get(name)?.cancel();
		const cancel = this.#ports.clock.setTimer(graceSeconds * 1000, () => {
			this.#stops.delete(name);
			const { host, log, emit } = this.#ports;
			const left = this.#live.get(name) === leader ? (this.tree(name)?.processes ?? []) : [];
			if (left.length > 0) {
				host.signalTree(name, leader, SIGKILL);
				log.warning(
					`service '${name}': SIGKILL to ${describeProcesses(left)} still running ${graceSeconds} s after SIGTERM`,
				);
				emit({ type: 'service.leftover', name, action: 'kill', pids: left.map(p => p.pid) });
			}
			this.#ports.onStopEnded(name);
		});
		this.#stops.set(name, { cancel, leader });
	}
}
