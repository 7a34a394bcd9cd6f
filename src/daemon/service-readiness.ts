// The supervisor's ReadinessPort on the real system: one pipe per run for `ready` in service.fds
// (the first LF the child writes makes it ready; s6 notification-fd), and one sd_notify socket for
// the whole daemon (an abstract datagram socket, made on first use, its address given to services
// as NOTIFY_SOCKET). Every datagram carries its sender's pid (SO_PASSCRED, filled in by the
// kernel): only a service with `service.notify on` may notify, from its main process or one of
// that process's descendants. Owns these fds; never blocks (every read is non-blocking).

import { readFileSync } from 'node:fs';
import * as sys from '../os/sys.js';
import type { Logger } from '../supervisor/logger.js';
import { parseNotifyMessage } from '../supervisor/notify-message.js';
import type { ReadinessPort, ReadyPipe, Supervisor } from '../supervisor/supervisor.js';

/** How far up the process tree a sender is looked for (a service's own descendants). */
const MAX_ANCESTRY = 32;
/** Refusals are logged at most once per this period, so a hostile sender cannot flood the log. */
const REFUSAL_LOG_MS = 10_000;
const MAX_DATAGRAM_BYTES = 4096;

export class ServiceReadiness implements ReadinessPort {
	readonly #log: Logger;
	readonly #supervisor: () => Supervisor;
	#socket: { fd: number; address: string; watcher: sys.Watcher } | null = null;
	/**
	 * Closes the pipe still read for a service's earlier run (a descendant kept it open without
	 * writing): at most one pipe per service is open, whatever its processes do.
	 */
	readonly #pipes = new Map<string, () => void>();
	#lastRefusalLog = -Infinity;

	constructor(log: Logger, supervisor: () => Supervisor) {
		this.#log = log;
		this.#supervisor = supervisor;
	}

	openPipe(service: string): ReadyPipe | null {
		let ends: [number, number];
		try {
			ends = sys.pipe();
		} catch (error: unknown) {
			this.#log.error(`can't create the readiness pipe of service '${service}': ${(error as Error).message}`);
			return null;
		}
		const [ours, theirs] = ends;
		return {
			childFd: theirs,
			spawned: pid => {
				sys.close(theirs);
				this.#watchPipe(service, pid, ours);
			},
			failed: () => {
				sys.close(theirs);
				sys.close(ours);
			},
		};
	}

	notifySocket(): string | null {
		if (this.#socket) return this.#socket.address;
		let fd = -1;
		try {
			fd = sys.createSocket('unix', 'dgram', true);
			sys.setPassCred(fd);
			const name = `daemonproxy/notify/${process.pid}/${sys.randomBytes(8).toString('hex')}`;
			sys.bindUnix(fd, `\0${name}`);
			const watcher = new sys.Watcher(fd, readable => {
				if (readable) this.#drainSocket(fd);
			});
			watcher.want(true, false);
			this.#socket = { fd, address: `@${name}`, watcher };
			return this.#socket.address;
		} catch (error: unknown) {
			if (fd >= 0) sys.close(fd);
			this.#log.error(`can't create the sd_notify socket: ${(error as Error).message}`);
			return null;
		}
	}

	/** Reads until the first LF or EOF, then closes: nothing is kept but the verdict. */
	#watchPipe(service: string, pid: number, fd: number): void {
		let watcher: sys.Watcher | null = null;
		const done = (): void => {
			if (this.#pipes.get(service) === done) this.#pipes.delete(service);
			watcher?.close();
			sys.close(fd);
		};
		this.#pipes.get(service)?.();
		this.#pipes.set(service, done);
		try {
			watcher = new sys.Watcher(fd, (readable, _writable, error) => {
				if (error) return done();
				if (!readable) return;
				for (;;) {
					const chunk = sys.recvAs(fd, 512, 'plain');
					if (chunk === null) return;
					if (chunk.data.length === 0) return done();
					if (chunk.data.includes(0x0a)) {
						done();
						this.#supervisor().notified(service, pid, { ready: true });
						return;
					}
				}
			});
			watcher.want(true, false);
		} catch (error: unknown) {
			this.#log.error(`can't watch the readiness pipe of service '${service}': ${(error as Error).message}`);
			done();
		}
	}

	#drainSocket(fd: number): void {
		for (;;) {
			let datagram: sys.CredDatagram | null;
			try {
				datagram = sys.recvCred(fd, MAX_DATAGRAM_BYTES);
			} catch (error: unknown) {
				this.#log.error(`sd_notify socket: ${(error as Error).message}`);
				return;
			}
			if (datagram === null) return;
			this.#received(datagram);
		}
	}

	#received(datagram: sys.CredDatagram): void {
		const supervisor = this.#supervisor();
		const name = datagram.pid > 0 ? this.#serviceOf(supervisor, datagram.pid) : undefined;
		const record = name === undefined ? undefined : supervisor.service(name);
		if (!record?.notify || record.pid === null) {
			this.#refused(datagram.pid);
			return;
		}
		supervisor.notified(record.name, record.pid, parseNotifyMessage(datagram.data.toString('latin1')));
	}

	/** The service whose main process is `pid` or one of its ancestors. */
	#serviceOf(supervisor: Supervisor, pid: number): string | undefined {
		let current = pid;
		for (let i = 0; i < MAX_ANCESTRY && current > 1; i++) {
			const name = supervisor.serviceOfPid(current);
			if (name !== undefined) return name;
			const parent = parentPid(current);
			if (parent === null) return undefined;
			current = parent;
		}
		return undefined;
	}

	#refused(pid: number): void {
		const now = sys.monotonicMs();
		if (now - this.#lastRefusalLog < REFUSAL_LOG_MS) return;
		this.#lastRefusalLog = now;
		this.#log.warning(`sd_notify message from pid ${pid} refused: not a process of a service with service.notify on`);
	}
}

/** The parent of `pid` from /proc/PID/stat (the field after the command's closing parenthesis). */
function parentPid(pid: number): number | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const parent = Number(fields[1]);
		return Number.isSafeInteger(parent) && parent > 0 ? parent : null;
	} catch {
		return null;
	}
}
