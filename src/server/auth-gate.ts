// Owns the door of the control socket: each accepted connection's credentials are
// read with SO_PEERCRED before any of its lines is read, and a peer without a role is refused.
// Invariants: fail closed — unreadable credentials or no role means one `error` line and close;
// a refused fd is closed exactly once, here, within LINGER_MS. Never waits on a refused peer:
// lingering is bounded in time, bytes and number, and past the bound the fd is closed at once.

import type { Logger } from '../supervisor/logger.js';
import * as sys from '../os/sys.js';
import { connectionRefusedLine } from '../protocol/access-lines.js';
import { isForeignPidns, roleOf, type Peer, type Policy } from './auth-policy.js';
import { EXT_MSG } from './messages.js';
import type { PerUidLog } from './per-uid-log.js';

/** How long a refused connection is read (and discarded) before it is closed. */
const LINGER_MS = 2000;
const LINGER_BYTES = 65536;
const MAX_LINGERING = 64;
const READ_BYTES = 16384;

interface Lingering {
	readonly watcher: sys.Watcher;
	readonly timer: NodeJS.Timeout;
	bytes: number;
}

/** Bytes read in all, or DONE when the peer is done (EOF, error) or has sent too much. */
const DONE = -1;

export class ConnectionDoor {
	readonly #log: Logger;
	readonly #refusals: PerUidLog;
	readonly #lingering = new Map<number, Lingering>();

	constructor(log: Logger, refusals: PerUidLog) {
		this.#log = log;
		this.#refusals = refusals;
	}

	/** The peer, admitted; or null when it was refused (the fd is then ours no more). */
	admit(fd: number, policy: Policy): Peer | null {
		let peer: Peer;
		try {
			peer = sys.peerCred(fd);
		} catch (error: unknown) {
			this.#log.error(`refused control connection: ${EXT_MSG.credentialsUnreadable}: ${(error as Error).message}`);
			this.refuse(fd, `error\t${EXT_MSG.credentialsUnreadable}`);
			return null;
		}
		if (roleOf(policy, peer) !== null) return peer;
		const why = isForeignPidns(peer)
			? "the peer is outside daemonproxy's PID namespace (allow such peers with --allow-foreign-pidns)"
			: 'no role granted';
		this.#refusals.note(
			peer.uid,
			`refused control connection from pid ${peer.pid} uid ${peer.uid} gid ${peer.gid}: ${why}`,
		);
		this.refuse(fd, connectionRefusedLine(peer.uid));
		return null;
	}

	/**
	 * One best-effort line and end of file, then what the peer sends is read and discarded until
	 * it closes (or LINGER_MS). Closing at once would make a client that writes its command
	 * right after connecting fail with EPIPE or ECONNRESET before it reads why.
	 */
	refuse(fd: number, line: string): void {
		try {
			sys.send(fd, Buffer.from(`${line}\n`, 'latin1'));
			sys.shutdown(fd, 'write');
		} catch {
			this.#close(fd);
			return;
		}
		const bytes = this.#lingering.size >= MAX_LINGERING ? DONE : drain(fd, 0);
		if (bytes === DONE) {
			this.#close(fd);
			return;
		}
		try {
			const watcher = new sys.Watcher(fd, () => {
				const entry = this.#lingering.get(fd);
				if (!entry) return;
				entry.bytes = drain(fd, entry.bytes);
				if (entry.bytes === DONE) this.#close(fd);
			});
			const timer = setTimeout(() => this.#close(fd), LINGER_MS);
			this.#lingering.set(fd, { watcher, timer, bytes });
			watcher.want(true, false);
		} catch {
			this.#close(fd);
		}
	}

	/** Closes every lingering connection (daemon exit). */
	closeAll(): void {
		for (const fd of [...this.#lingering.keys()]) this.#close(fd);
	}

	#close(fd: number): void {
		const entry = this.#lingering.get(fd);
		if (entry) {
			this.#lingering.delete(fd);
			clearTimeout(entry.timer);
			entry.watcher.close();
		}
		sys.close(fd);
	}
}

/** Reads and discards what is there; received descriptors are closed. */
function drain(fd: number, already: number): number {
	let bytes = already;
	try {
		for (;;) {
			const got = sys.recv(fd, READ_BYTES);
			if (got === null) return bytes;
			for (const received of got.fds) sys.close(received);
			if (got.data.length === 0) return DONE;
			bytes += got.data.length;
			if (bytes > LINGER_BYTES) return DONE;
		}
	} catch {
		return DONE;
	}
}
