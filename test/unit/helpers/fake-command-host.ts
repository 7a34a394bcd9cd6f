// A CommandHost (src/server/command-context.ts) for unit tests of dispatch and the command
// families: a real Supervisor over fake ports (fake clock, fake process host), a real event ring,
// a log that the test can read, a ProcessControl that records what commands asked of the process,
// and roles set per controller. Connections are real Controllers over in-memory streams, their
// lines run by request.ts against the command table the test gives. No addon, no socket.

import type { DaemonEvent } from '../../../src/protocol/events.js';
import { eventSubject, eventTopic, formatEvent } from '../../../src/protocol/events.js';
import type { Role, Rule } from '../../../src/server/auth-policy.js';
import type { CommandHandler, CommandHost, ProcessControl } from '../../../src/server/command-context.js';
import { Controller, type ControllerKind } from '../../../src/server/controller.js';
import type { OutputLimits } from '../../../src/server/limits.js';
import { EventRing } from '../../../src/server/event-ring.js';
import type { AuditResult } from '../../../src/protocol/access-lines.js';
import { runRequest } from '../../../src/server/request.js';
import { Logger } from '../../../src/supervisor/logger.js';
import { OutputBook } from '../../../src/supervisor/output-book.js';
import type { SpawnPlan } from '../../../src/supervisor/ports.js';
import { Supervisor } from '../../../src/supervisor/supervisor.js';
import { FakeClock } from './fake-clock.js';
import { MemoryStream } from './memory-stream.js';

export interface Audit {
	readonly conn: number;
	readonly role: Role | null;
	readonly result: AuditResult;
	readonly line: string;
}

/** The ProcessControl side: what commands changed or asked for. */
export interface FakeProcess extends ProcessControl {
	readonly exits: Array<[number, string]>;
	readonly chdirs: string[];
	readonly sockets: Array<string | null>;
	readonly logTargets: string[];
	readonly essential: Set<string>;
}

function fakeProcess(): FakeProcess {
	const exits: Array<[number, string]> = [];
	const chdirs: string[] = [];
	const sockets: Array<string | null> = [];
	const logTargets: string[] = [];
	const essential = new Set<string>();
	return {
		guard: 0n,
		execOnExit: null,
		exits,
		chdirs,
		sockets,
		logTargets,
		essential,
		setEssential: (name, on) => void (on ? essential.add(name) : essential.delete(name)),
		isEssential: name => essential.has(name),
		requestExit: (status, message) => void exits.push([status, message]),
		chdir: path => (chdirs.push(path), path === '/nonexistent' ? 'No such file or directory' : null),
		followLog: name => (logTargets.push(name), name === 'known'),
		reopenLog: () => null,
		openControlSocket: path => (sockets.push(path), !path.startsWith('/nonexistent/')),
		closeControlSocket: () => void sockets.push(null),
	};
}

/** One connection, as its peer sees it. */
export interface Connection {
	readonly controller: Controller;
	readonly stream: MemoryStream;
	/** Sends one line (an LF is added) and returns the lines it got back. */
	send(line: string): string[];
}

export class FakeCommandHost implements CommandHost {
	readonly clock = new FakeClock();
	readonly log: Logger;
	/** Every log line, `level: text`. */
	readonly logLines: string[] = [];
	readonly supervisor: Supervisor;
	readonly events = new EventRing(16);
	readonly streamId = 'fakestream';
	readonly process = fakeProcess();
	readonly output = new OutputBook();
	readonly audits: Audit[] = [];
	readonly rules: Rule[] = [];
	/** Every event the supervisor emitted, formatted. */
	readonly emitted: string[] = [];
	readonly spawned: SpawnPlan[] = [];
	/** kill(2) calls: [pid (negative for a group), signal]. */
	readonly killed: Array<[number, number]> = [];
	/** When set, kill(2) fails with this strerror text. */
	killError: string | null = null;
	readonly #roles = new Map<Controller, Role | null>();
	readonly #commands: ReadonlyMap<string, CommandHandler>;
	#nextId = 0;
	#nextPid = 100;

	constructor(commands: Readonly<Record<string, CommandHandler>>) {
		this.#commands = new Map(Object.entries(commands));
		this.log = new Logger({ filter: 'none' });
		this.log.setSink({
			write: data => {
				for (const line of Buffer.from(data).toString('latin1').split('\n')) if (line !== '') this.logLines.push(line);
				return data.length;
			},
			onWritable() {},
		});
		this.supervisor = new Supervisor({
			clock: this.clock,
			closeFd() {},
			host: {
				spawn: plan => {
					this.spawned.push(plan);
					return { ok: true, pid: this.#nextPid++ };
				},
				kill: (pid, signal) => {
					if (this.killError !== null) throw new Error(this.killError);
					this.killed.push([pid, signal]);
				},
			},
			log: this.log,
			emit: (event: DaemonEvent) => this.#publish(event),
		});
		this.supervisor.handles.seed({
			name: 'null',
			fd: 999,
			type: 'special',
			flags: 'read,write',
			description: '/dev/null',
			constant: true,
			peer: null,
		});
	}

	/**
	 * A connection whose commands run with `role` (null: none); `room` bounds what its peer's
	 * buffer holds before output queues, `limits` its back-pressure (default: unbounded, 1.1's).
	 */
	connect(
		role: Role | null = 'admin',
		options: { kind?: ControllerKind; room?: number; limits?: OutputLimits } = {},
	): Connection {
		const stream = new MemoryStream(this.clock, options.room);
		const controller = new Controller(
			this.#nextId++,
			options.kind ?? 'socket',
			{
				execute: (c, line) => runRequest(this.#commands, this, c, line),
				lineTooLong() {},
				closeFd() {},
				log: this.log,
				closed() {},
			},
			{ pid: 4242, uid: 1000, gid: 100 },
			options.limits,
		);
		stream.connect(controller);
		controller.attach({ input: stream, output: stream, release() {} });
		this.#roles.set(controller, role);
		return {
			controller,
			stream,
			send: line => {
				stream.type(`${line}\n`);
				return stream.readLines();
			},
		};
	}

	setRole(controller: Controller, role: Role | null): void {
		this.#roles.set(controller, role);
	}

	/** One loop turn of the supervisor's timers (a start requested for now spawns). */
	tick(): void {
		this.clock.advance(0);
	}

	// ---- CommandHost --------------------------------------------------------------------

	roleOf(controller: Controller): Role | null {
		return this.#roles.get(controller) ?? null;
	}

	addRule(rule: Rule): void {
		this.rules.push(rule);
	}

	publishAudit(controller: Controller, role: Role | null, result: AuditResult, line: string): void {
		this.audits.push({ conn: controller.id, role, result, line });
	}

	logFailure(_controller: Controller, first: string, ...more: string[]): void {
		this.log.error(first);
		for (const line of more) this.log.error(line);
	}

	#publish(event: DaemonEvent): void {
		const line = formatEvent(event);
		this.emitted.push(line);
		this.events.publish(eventTopic(event), eventSubject(event), line);
	}
}
