// The listening control socket (see The control socket in daemonproxy(8)): a filesystem path or a
// Linux abstract name (`@name`). Replaces only a stale socket (nothing answers on it), never a
// live daemon's socket or any other kind of file; removes its path when closed.

import { lstatSync, unlinkSync, chmodSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '../supervisor/logger.js';
import { accept, bindUnix, close, connectUnix, createSocket, listen, SysError, Watcher } from '../os/sys.js';

export const MAX_SOCKET_PATH_BYTES = 107;
const LISTEN_BACKLOG = 128;
/**
 * Connections accepted per readiness callback. The poll is level-triggered, so the rest are
 * accepted on the next loop turn, after other controllers' I/O: a peer that connects and closes
 * in a loop cannot hold the loop in accept (daemonproxy(8), CONTROLLERS).
 */
const MAX_ACCEPTS_PER_TURN = 16;
/** While accept() fails (EMFILE), the listener pauses this long between tries. */
const ACCEPT_RETRY_MS = 250;

export interface ControlSocketOptions {
	/** File mode of a path socket; default 0600. */
	readonly mode?: number;
}

/**
 * The sun_path of `@name` as node:net (libuv) connects to it: the name padded with NUL bytes to
 * the whole sun_path, which the kernel counts as another abstract name than the exact-length one
 * daemonproxy, socat, systemd and C clients use. Null when the two are the same (107 bytes).
 */
export function nodePaddedAbstract(name: string): string | null {
	const bytes = name.length - 1;
	return bytes >= MAX_SOCKET_PATH_BYTES ? null : '\0' + name.slice(1) + '\0'.repeat(MAX_SOCKET_PATH_BYTES - bytes);
}

const fsPath = (path: string): Buffer => Buffer.from(path, 'latin1');

export class ControlSocket {
	/** As given (`@name` for abstract sockets). */
	readonly name: string;
	/** The listening descriptor; the exec-on-exit program inherits it. */
	readonly fd: number;
	readonly #watcher: Watcher;
	#retry: NodeJS.Timeout | null = null;
	#acceptFailing = false;
	/** Absolute path to remove on close; null for abstract sockets. */
	readonly #path: string | null;

	private constructor(name: string, fd: number, path: string | null, onConnection: (fd: number) => void, log: Logger) {
		this.name = name;
		this.fd = fd;
		this.#path = path;
		this.#watcher = new Watcher(fd, (readable, _writable, error) => {
			if (error) log.error(`control socket ${name}: ${error.message}`);
			if (!readable) return;
			for (let accepted = 0; accepted < MAX_ACCEPTS_PER_TURN; accepted++) {
				let client: number | null;
				try {
					client = accept(fd);
				} catch (acceptError: unknown) {
					// EMFILE and friends: the connection waits in the backlog. Polling on would spin
					// (the socket stays readable), so pause and retry later; log once per episode.
					if (!this.#acceptFailing)
						log.error(
							`accept(control socket ${name}): ${(acceptError as Error).message}; retrying every ${ACCEPT_RETRY_MS} ms`,
						);
					this.#acceptFailing = true;
					this.#watcher.want(false, false);
					this.#retry = setTimeout(() => {
						this.#retry = null;
						if (!this.#watcher.closed) this.#watcher.want(true, false);
					}, ACCEPT_RETRY_MS);
					return;
				}
				if (client === null) return;
				this.#acceptFailing = false;
				onConnection(client);
			}
		});
		this.#watcher.want(true, false);
	}

	/** Create and listen; logs why and returns null on failure. */
	static create(
		name: string,
		log: Logger,
		onConnection: (fd: number) => void,
		options: ControlSocketOptions = {},
	): ControlSocket | null {
		const abstract = name.startsWith('@');
		const address = abstract ? '\0' + name.slice(1) : name;
		if (name.length === 0 || (abstract ? name.length === 1 : false) || address.length > MAX_SOCKET_PATH_BYTES) {
			log.error(`control socket name "${name}" must be 1..${MAX_SOCKET_PATH_BYTES} bytes`);
			return null;
		}
		// Not process.cwd(): Node caches it, and the chdir command changes directory behind its back.
		const path = abstract ? null : resolve(readlinkSync('/proc/self/cwd', 'latin1'), name);
		if (path !== null && !removeStale(path, log)) return null;
		try {
			return new ControlSocket(name, listenOn(address, path, options.mode ?? 0o600), path, onConnection, log);
		} catch (error: unknown) {
			log.error(`bind(control_socket, ${name}): ${(error as Error).message}`);
			return null;
		}
	}

	/**
	 * The alias of `@name` that node:net clients reach (nodePaddedAbstract); null, with a
	 * warning, when it cannot be bound (another process holds it: such clients reach that one).
	 */
	static createNodeAlias(name: string, log: Logger, onConnection: (fd: number) => void): ControlSocket | null {
		const address = nodePaddedAbstract(name);
		if (address === null) return null;
		try {
			return new ControlSocket(name, listenOn(address, null, 0), null, onConnection, log);
		} catch (error: unknown) {
			log.warning(
				`control socket ${name}: cannot also listen under its node:net form (${(error as Error).message}); ` +
					`Node clients using net.connect("\\0${name.slice(1)}") will not reach daemonproxy`,
			);
			return null;
		}
	}

	close(): void {
		if (this.#retry !== null) clearTimeout(this.#retry);
		this.#watcher.close();
		close(this.fd);
		if (this.#path !== null) unlinkQuietly(this.#path);
	}
}

/**
 * A listening socket at `address`, or throws. A path (`path` is its absolute form) is bound under
 * its real name, so `ss -x`, lsof and /proc/net/unix show it: created with `mode` minus the umask
 * (never more open than asked), listening at once, and only then given the exact mode. A client
 * can meet ECONNREFUSED in the instant between bind and listen; the library and dpctl retry a
 * socket that fresh (client/dial.ts).
 */
function listenOn(address: string, path: string | null, mode: number): number {
	const fd = createSocket('unix', 'stream', true);
	let bound = false;
	try {
		bindUnix(fd, address, path === null ? undefined : mode);
		bound = path !== null;
		listen(fd, LISTEN_BACKLOG);
		if (path !== null) chmodSync(fsPath(path), mode);
		return fd;
	} catch (error: unknown) {
		close(fd);
		if (bound && path !== null) unlinkQuietly(path);
		throw error;
	}
}

function unlinkQuietly(path: string): void {
	try {
		unlinkSync(fsPath(path));
	} catch {
		// already gone
	}
}

/** True when `path` is free: absent, or a socket nobody listens on (which is removed). */
function removeStale(path: string, log: Logger): boolean {
	let isSocket: boolean;
	try {
		isSocket = lstatSync(fsPath(path)).isSocket();
	} catch {
		return true;
	}
	if (!isSocket) {
		log.error(`control socket path ${path} exists and is not a socket; refusing to replace it`);
		return false;
	}
	// Non-blocking, so a live daemon with a full backlog (EAGAIN) cannot stall us.
	const probe = createSocket('unix', 'stream', true);
	const inUse = (): false => {
		log.error(`control socket ${path} is in use by a running process; stop it or choose another path`);
		return false;
	};
	try {
		connectUnix(probe, path);
		return inUse();
	} catch (error: unknown) {
		if (error instanceof SysError && error.code === 'EAGAIN') return inUse();
		if (!(error instanceof SysError) || error.code !== 'ECONNREFUSED') {
			log.error(`cannot check control socket ${path}: ${(error as Error).message}`);
			return false;
		}
	} finally {
		close(probe);
	}
	unlinkSync(fsPath(path));
	log.info(`Unlinked control socket ${path}`);
	return true;
}
