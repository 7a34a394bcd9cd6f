// The running daemon: wires the supervisor to its controllers (controller-table.ts), the control
// socket and its gate, the event fan-out, the log destination (log-destination.ts), caught
// signals and the exit paths.
// Invariants: each published event is numbered and encoded once, and handed to every controller
// subscribed to it; nothing here blocks on a reader; every controller and fd it creates is
// released exactly once.

import {
	auditLine,
	sharedSlotsFullLine,
	tooManyControllersLine,
	tooManyForUidLine,
	type AuditResult,
} from '../protocol/access-lines.js';
import type { DaemonEvent } from '../protocol/events.js';
import { eventSubject, eventTopic, formatEvent } from '../protocol/events.js';
import { logLineTooLong, LINE_TOO_LONG } from '../protocol/replies.js';
import type { Logger } from '../supervisor/logger.js';
import { signalEvent, type SignalCounter } from '../supervisor/signal-counters.js';
import type { Clock, CloseFd, ProcessHost } from '../supervisor/ports.js';
import { Supervisor, type ControlEnd } from '../supervisor/supervisor.js';
import * as sys from '../os/sys.js';
import { ConnectionDoor } from '../server/auth-gate.js';
import { roleOf, type Peer, type Policy, type Role, type Rule } from '../server/auth-policy.js';
import { ControlSocket, type ControlSocketOptions } from '../server/control-socket.js';
import type { Controller, ControllerHost, ControllerKind } from '../server/controller.js';
import { ControllerTable } from '../server/controller-table.js';
import {
	DEFAULT_ADMIN_CONTROLLERS,
	DEFAULT_MAX_CONTROLLERS,
	DEFAULT_MAX_CONTROLLERS_PER_UID,
	DEFAULT_OUTPUT_LIMITS,
	PEER_LOG_INTERVAL_MS,
	PEER_LOG_MAX_UIDS,
	STREAM_LINES_PER_TURN,
	type OutputLimits,
} from '../server/limits.js';
import { PerUidLog } from '../server/per-uid-log.js';
import type { SlotRefusal } from '../server/socket-slots.js';
import type { CommandHost, ProcessControl } from '../server/command-context.js';
import { executeLine } from '../server/dispatch.js';
import { EventRing } from '../server/event-ring.js';
import { DEFAULT_STOP_TIMEOUT_SECONDS, Shutdown } from './shutdown.js';
import { ExitPaths, type ExitHost } from './exit-paths.js';
import { EXIT_STATUS } from './exit-status.js';
import { LogDestination } from './log-destination.js';
import { OutputCapture } from './output-capture.js';
import type { OutputBook } from '../supervisor/output-book.js';
import { formatOutputLine, type OutputLine } from '../protocol/output-lines.js';
import { auditLogText, cannotOpenLogFile, noLogFile } from '../server/messages.js';

const BLOCKED_CHECK_INTERVAL_MS = 500;

export interface DaemonSettings {
	readonly log: Logger;
	readonly clock: Clock;
	readonly host: ProcessHost;
	readonly closeFd: CloseFd;
	/** Control-socket connections at once (`--max-controllers`). */
	readonly maxControllers?: number;
	/** The same per uid below role admin (`--max-controllers-per-uid`). */
	readonly maxControllersPerUid?: number;
	/** Of maxControllers, slots only admins may take (`--admin-controllers`). */
	readonly adminControllers?: number;
	readonly socketOptions?: ControlSocketOptions;
	/** Grant rules from the command line (`--allow`); more come with `conn.allow`. */
	readonly rules?: readonly Rule[];
	/** Events retained for `events.resume` (`--event-history`). */
	readonly eventHistory?: number;
	readonly outputLimits?: OutputLimits;
	/** Lines per service output ring unless set per service (`--output-lines`). */
	readonly outputLines?: number;
	/** Streamed reply lines per loop turn, all controllers together (`--stream-lines-per-turn`). */
	readonly streamLinesPerTurn?: number;
	/** Signals that stop every service and end the daemon (`--shutdown-on`). */
	readonly shutdownSignals?: readonly number[];
	/** SIGTERM to SIGKILL, in a shutdown (`--stop-timeout`). */
	readonly stopTimeoutSeconds?: number;
	/** Peers outside the daemon's PID namespace may have a role (`--allow-foreign-pidns`). */
	readonly allowForeignPidns?: boolean;
	/** Refusals and failed commands of one uid are logged once per this interval (`--peer-log-interval`). */
	readonly peerLogIntervalMs?: number;
}

export class Daemon implements ControllerHost, CommandHost {
	readonly log: Logger;
	readonly supervisor: Supervisor;
	/** Guard, exec-on-exit and every way of ending (exit-paths.ts). */
	readonly exits: ExitPaths;
	/** `--shutdown-on` and essential services: the orderly end (shutdown.ts). */
	readonly shutdown: Shutdown;
	/** What commands may change of the process (guard, exec-on-exit, exit, cwd, log, socket). */
	readonly process: ProcessControl;
	/** The numbered event stream and its retained tail (for events.resume). */
	readonly events: EventRing;
	/** Descriptor 2, nothing (-D) or the log.dest handle (log-destination.ts). */
	readonly logDestination: LogDestination;
	/** Captured service output: pipes and forwarding (output-capture.ts). */
	readonly capture: OutputCapture;
	/** Its rings and settings, as commands see them. */
	get output(): OutputBook {
		return this.capture.book;
	}
	/** Names this run's numbering, so a resume across a daemon restart is a gap. */
	readonly streamId = sys.randomBytes(8).toString('hex');
	/** Credentials of the daemon's own controllers (config, -i, services): the owner's. */
	readonly ownPeer: Peer = { pid: process.pid, uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
	readonly #rules: Rule[];
	readonly #allowForeignPidns: boolean;
	readonly #door: ConnectionDoor;
	/** Refused connections and denied commands, logged once per uid per interval. */
	readonly #refusals: PerUidLog;
	/** Failed and unknown commands of socket peers, logged once per uid per interval. */
	readonly #failures: PerUidLog;
	readonly #controllers: ControllerTable;
	readonly #socketOptions: ControlSocketOptions;
	/** The listeners: every -S (and the node:net alias of an abstract name), or socket.create's one. */
	#controlSockets: ControlSocket[] = [];
	readonly #blockedCheck: NodeJS.Timeout;

	constructor(settings: DaemonSettings) {
		this.log = settings.log;
		this.#controllers = new ControllerTable(
			this,
			{
				max: settings.maxControllers ?? DEFAULT_MAX_CONTROLLERS,
				perUid: settings.maxControllersPerUid ?? DEFAULT_MAX_CONTROLLERS_PER_UID,
				adminReserve: settings.adminControllers ?? DEFAULT_ADMIN_CONTROLLERS,
			},
			settings.outputLimits ?? DEFAULT_OUTPUT_LIMITS,
			settings.streamLinesPerTurn ?? STREAM_LINES_PER_TURN,
		);
		const peerLogLimits = {
			intervalMs: settings.peerLogIntervalMs ?? PEER_LOG_INTERVAL_MS,
			maxUids: PEER_LOG_MAX_UIDS,
		};
		this.#refusals = new PerUidLog(text => settings.log.warning(text), settings.clock, peerLogLimits);
		this.#failures = new PerUidLog(text => settings.log.error(text), settings.clock, {
			...peerLogLimits,
			noun: 'failed commands',
		});
		this.#socketOptions = settings.socketOptions ?? {};
		this.#rules = [...(settings.rules ?? [])];
		this.#allowForeignPidns = settings.allowForeignPidns ?? false;
		this.events = new EventRing(settings.eventHistory);
		this.#door = new ConnectionDoor(settings.log, this.#refusals);
		this.exits = new ExitPaths(settings.log);
		this.exits.attach(this.#exitHost());
		this.process = this.#processControl();
		// Before the supervisor: every event it emits goes through broadcast(), which consults it.
		this.logDestination = new LogDestination(settings.log, name => this.supervisor.handles.get(name));
		this.capture = new OutputCapture({
			log: settings.log,
			handle: name => this.supervisor.handles.get(name),
			captured: (service, lines) => this.#outputCaptured(service, lines),
			now: sys.wallClockMs,
		});
		if (settings.outputLines !== undefined) this.capture.book.defaultLines = settings.outputLines;
		this.supervisor = new Supervisor({
			clock: settings.clock,
			host: settings.host,
			closeFd: settings.closeFd,
			log: settings.log,
			emit: event => this.broadcast(event),
			signalArrived: counter => this.#signalArrived(counter),
			control: { open: (service, uses) => this.#openServiceControl(service, uses) },
			output: this.capture,
		});
		this.shutdown = new Shutdown(
			{
				log: settings.log,
				clock: settings.clock,
				supervisor: this.supervisor,
				signalService: (name, signal) => this.supervisor.signalService(name, signal, false),
				exit: status => this.exits.exit(status),
			},
			{
				signals: settings.shutdownSignals ?? [],
				stopTimeoutMs: (settings.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS) * 1000,
			},
		);
		// Also what keeps the process alive when nothing else would: 1.1 never ends on its own.
		this.#blockedCheck = setInterval(() => {
			// FdStream.blockedSinceMs is on sys.monotonicMs(), not on the wire clock.
			const now = sys.monotonicMs();
			for (const controller of this.#controllers) controller.checkBlocked(now);
		}, BLOCKED_CHECK_INTERVAL_MS);
	}

	// ---- events -------------------------------------------------------------------------

	broadcast(event: DaemonEvent): void {
		if (event.type === 'fd.state' || event.type === 'fd.deleted') this.logDestination.handleChanged(event.name);
		// Before the event goes out: whoever asks for the last lines on hearing `down` gets them all.
		if (event.type === 'service.state' && event.state === 'down') this.capture.exited(event.name);
		if (event.type === 'service.state' && event.state === 'deleted') this.capture.forget(event.name);
		this.#publish(eventTopic(event), eventSubject(event), formatEvent(event));
		// Created after the supervisor, whose first events (none at startup) would come before it.
		if (event.type === 'service.state') this.shutdown?.serviceChanged(event);
	}

	/**
	 * `audit` for a command that may change state; its subject is the verb. The log
	 * keeps a durable copy of what subscribers may miss: every refusal (warning), and every change
	 * made over the control socket (info). Commands of the config file, the interactive controller
	 * and service controllers are the daemon's own policy and are not logged.
	 */
	publishAudit(controller: Controller, role: Role | null, result: AuditResult, line: string): void {
		const tab = line.indexOf('\t');
		const { id, peer } = controller;
		const who = role ?? '-';
		this.#publish('audit', tab < 0 ? line : line.slice(0, tab), auditLine(id, peer, who, result, line));
		// Denied commands are refusals: an observer repeating one must not flood the log.
		if (result === 'denied') this.#refusals.note(peer.uid, auditLogText(id, peer, who, result, line));
		else if (controller.kind === 'socket') this.log.info(auditLogText(id, peer, who, result, line));
	}

	/** Number, retain, then hand the same bytes to every subscriber: no per-connection copy. */
	#publish(topic: string, subject: string | undefined, line: string): void {
		const event = this.events.publish(topic, subject, line);
		for (const controller of this.#controllers) {
			if (controller.wants(topic, subject))
				controller.deliver(controller.delivery.seqMode ? event.sequenced : event.plain);
		}
	}

	/** New output lines go to the connections following the service: encoded once for all. */
	#outputCaptured(service: string, lines: readonly OutputLine[]): void {
		let encoded: Buffer | null = null;
		for (const controller of this.#controllers) {
			// A follower in overflow loses these lines anyway: no need to encode them for it.
			if (!controller.delivery.following.has(service) || !controller.acceptsEvents) continue;
			encoded ??= Buffer.from(lines.map(line => formatOutputLine(line) + '\n').join(''), 'latin1');
			controller.deliver(encoded);
		}
	}

	/**
	 * Every controller hears of each signal newer than what it was told (daemonproxy(8), SIGNALS).
	 * Every connected controller has been told up to the previous arrival (at connect, by
	 * statedump or here), so that is exactly this counter: one numbered event for all.
	 */
	#signalArrived(counter: SignalCounter): void {
		this.broadcast(signalEvent(counter));
		const mark = this.supervisor.signals.newestSeq;
		for (const controller of this.#controllers) if (controller.hasOutput) controller.delivery.signalMark = mark;
	}

	#deliverSignalsTo(controller: Controller): void {
		const { signals } = this.supervisor;
		for (const counter of signals.newerThan(controller.delivery.signalMark)) {
			controller.deliver(Buffer.from(formatEvent(signalEvent(counter)) + '\n', 'latin1'));
		}
		controller.delivery.signalMark = signals.newestSeq;
	}

	// ---- controllers --------------------------------------------------------------------

	get controllerCount(): number {
		return this.#controllers.size;
	}

	get policy(): Policy {
		return { ownerUid: this.ownPeer.uid, rules: this.#rules, allowForeignPidns: this.#allowForeignPidns };
	}

	/** The controller's role now; rules only grant, so it never drops below what it was. */
	roleOf(controller: Controller): Role | null {
		return roleOf(this.policy, controller.peer);
	}

	addRule(rule: Rule): void {
		this.#rules.push(rule);
	}

	/**
	 * A controller over raw fds we own (ControllerTable.open). Only socket connections are
	 * limited, and #accepted checks first: the daemon's own controllers are never refused.
	 */
	addController(
		kind: ControllerKind,
		inputFd: number | null,
		outputFd: number | null,
		onClosed?: () => void,
		peer: Peer = this.ownPeer,
	): Controller {
		const controller = this.#controllers.open(kind, inputFd, outputFd, peer, onClosed);
		// A service controller hears of pending signals after its own `up` line: see spawned().
		if (controller.hasOutput && kind !== 'service') this.#deliverSignalsTo(controller);
		return controller;
	}

	/**
	 * A service controller: one socketpair per start; the child's end goes at every
	 * `control.*` position. Without control.cmd/control.socket the child's lines are ignored,
	 * but the socket is still read so that the child's exit (EOF) ends the controller; an
	 * event-only controller thus keeps receiving events until then (1.1 closed it at once).
	 */
	#openServiceControl(service: string, uses: ReadonlySet<string>): ControlEnd | null {
		const commands = uses.has('control.cmd') || uses.has('control.socket');
		const events = uses.has('control.event') || uses.has('control.socket');
		let ends: [number, number];
		try {
			ends = sys.socketpair('stream');
		} catch (error: unknown) {
			this.log.error(`can't create socketpair: ${(error as Error).message}`);
			return null;
		}
		const [ours, theirs] = ends;
		if (!events) sys.shutdown(ours, 'write');
		const controller = this.addController('service', ours, events ? ours : null);
		if (!commands) controller.ignoreCommands();
		this.log.debug(`controller[${controller.id}] for service '${service}'`);
		return {
			childFd: theirs,
			spawned: pid => {
				sys.close(theirs);
				controller.setPeerPid(pid);
				if (controller.hasOutput) this.#deliverSignalsTo(controller);
			},
			failed: () => {
				sys.close(theirs);
				controller.destroy();
			},
		};
	}

	execute(controller: Controller, line: string): Iterable<string> | void {
		return executeLine(this, controller, line);
	}

	logFailure(controller: Controller, first: string, ...more: string[]): void {
		// A socket peer can fail commands as fast as it can write them: its lines are rate-limited.
		if (controller.kind === 'socket') return this.#failures.note(controller.peer.uid, first, ...more);
		this.log.error(first);
		for (const line of more) this.log.error(line);
	}

	lineTooLong(controller: Controller): void {
		this.logFailure(controller, logLineTooLong(controller.label));
		controller.send(LINE_TOO_LONG);
	}

	closeFd(fd: number): void {
		sys.close(fd);
	}

	closed(controller: Controller): void {
		this.#controllers.delete(controller);
		if (controller.kind !== 'interactive' || this.exits.exiting) return;
		if (this.guard !== 0n) {
			this.log.warning('interactive session ended, but not exiting due to terminate-guard');
			return;
		}
		this.log.info('interactive session ended');
		this.requestExit(EXIT_STATUS.normal, 'terminated normally');
	}

	/** Services that must be ready and are not (for /readyz): the essential ones not up. */
	notReady(): string[] {
		return this.shutdown.essentialNames().filter(name => this.supervisor.service(name)?.phase !== 'up');
	}

	// ---- control socket -----------------------------------------------------------------

	/** `socket.create`: this one listener replaces every listener (1.1 had one). */
	createControlSocket(name: string): boolean {
		this.deleteControlSocket();
		return this.addControlSocket(name);
	}

	/**
	 * One more listener (each `-S`); an abstract name also listens under the padded form node:net
	 * connects to (ControlSocket.createNodeAlias), so plain Node clients reach it too.
	 */
	addControlSocket(name: string): boolean {
		const onConnection = (fd: number): void => this.#accepted(fd);
		const socket = ControlSocket.create(name, this.log, onConnection, this.#socketOptions);
		if (socket === null) return false;
		this.#controlSockets.push(socket);
		const alias = name.startsWith('@') ? ControlSocket.createNodeAlias(name, this.log, onConnection) : null;
		if (alias !== null) this.#controlSockets.push(alias);
		return true;
	}

	/** `socket.delete`: closes every listener. */
	deleteControlSocket(): void {
		for (const socket of this.#controlSockets) socket.close();
		this.#controlSockets = [];
	}

	/**
	 * Credentials and role first, before any line is read; then the slots (daemonproxy(8),
	 * CONTROLLERS): the total, the slots kept for admins, the cap per uid.
	 */
	#accepted(fd: number): void {
		if (this.exits.exiting) {
			sys.close(fd);
			return;
		}
		const peer = this.#door.admit(fd, this.policy);
		if (peer === null) return;
		const refusal = this.#controllers.refusal(peer.uid, roleOf(this.policy, peer) === 'admin');
		if (refusal === null) {
			const controller = this.addController('socket', fd, fd, undefined, peer);
			this.log.debug(`${controller.label}: connection from pid ${peer.pid} uid ${peer.uid} gid ${peer.gid}`);
			return;
		}
		const line = slotRefusalLine(refusal);
		this.#refusals.note(
			peer.uid,
			`refused control connection from pid ${peer.pid} uid ${peer.uid} gid ${peer.gid}: ${line.slice('error\t'.length)}`,
		);
		this.#door.refuse(fd, line);
	}

	// ---- process-wide state ---------------------------------------------------------------

	/** The chdir command; returns the strerror text on failure. */
	chdir(path: string): string | null {
		try {
			sys.chdir(path);
			return null;
		} catch (error: unknown) {
			return (error as Error).message;
		}
	}

	/** Terminate guard; 0n = none. */
	get guard(): bigint {
		return this.exits.guard;
	}

	set guard(code: bigint) {
		this.exits.guard = code;
	}

	/** Exec-on-exit argument vector; null = none. */
	get execOnExit(): string[] | null {
		return this.exits.execOnExit;
	}

	set execOnExit(argv: string[] | null) {
		this.exits.execOnExit = argv;
	}

	/** End at the end of this pass: exec-on-exit if configured, else exit. */
	requestExit(status: number, message: string): void {
		if (!this.exits.markExiting()) return;
		setImmediate(() => this.exits.end(status, message));
	}

	exitNow(status: number, message: string): never {
		this.exits.markExiting();
		return this.exits.end(status, message);
	}

	#processControl(): ProcessControl {
		const { exits } = this;
		return {
			get guard() {
				return exits.guard;
			},
			set guard(code) {
				exits.guard = code;
			},
			get execOnExit() {
				return exits.execOnExit;
			},
			set execOnExit(argv) {
				exits.execOnExit = argv;
			},
			requestExit: (status, message) => this.requestExit(status, message),
			chdir: path => this.chdir(path),
			followLog: name => this.logDestination.follow(name),
			setEssential: (name, on) => this.shutdown.setEssential(name, on),
			isEssential: name => this.shutdown.isEssential(name),
			reopenLog: () => {
				const path = this.logDestination.path;
				if (path === null) return noLogFile();
				const problem = this.logDestination.toFile(path);
				return problem === null ? null : cannotOpenLogFile(path, problem);
			},
			openControlSocket: path => this.createControlSocket(path),
			closeControlSocket: () => this.deleteControlSocket(),
		};
	}

	#exitHost(): ExitHost {
		return {
			log: this.log,
			running: () => this.supervisor.running(),
			inheritableFds: () => {
				const fds: number[] = [];
				for (const handle of this.supervisor.handles.sorted()) if (handle.fd !== null) fds.push(handle.fd);
				fds.push(...this.#controllers.fds());
				for (const socket of this.#controlSockets) fds.push(socket.fd);
				return fds;
			},
			beforeExit: () => {
				this.deleteControlSocket();
				this.#door.closeAll();
				this.#refusals.flush();
				this.#failures.flush();
				clearInterval(this.#blockedCheck);
			},
		};
	}
}

/** The one line a connection without a slot receives: the limit and the option that sets it. */
function slotRefusalLine(refusal: SlotRefusal): string {
	if (refusal.limit === 'per-uid') return tooManyForUidLine(refusal.uid, refusal.count);
	return refusal.limit === 'shared' ? sharedSlotsFullLine(refusal.count) : tooManyControllersLine(refusal.count);
}
