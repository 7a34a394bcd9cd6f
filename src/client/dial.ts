// Opening the control socket: a filesystem path through node:net, or an `@name`
// abstract socket through sys.ts, with any failure turned into a ConnectionError that names the
// address and the errno; then checking who serves it (server-uid.ts) before a byte is sent.
// Never retries a daemon that is down: whether to try again is the caller's decision (Client
// reconnects, dpctl not). The one retry is of a socket bound a moment ago that does not listen yet.
// The only module of src/client that may load src/os/sys.ts.

import { lstatSync } from 'node:fs';
import { createConnection, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { wireFromArg } from '../protocol/fields.js';
import { ConnectionError } from './errors.js';
import { checkServerUid } from './server-uid.js';

/**
 * How a client gets its byte stream; tests substitute an in-memory one. `serverUid` is the one uid
 * besides root and the caller's own that the server may run as.
 */
export type Dialer = (address: string, signal?: AbortSignal, serverUid?: number) => Promise<Duplex>;

/** A path, or `@name` (a Linux abstract socket); the server must run as a uid the caller trusts. */
export const dialUnixSocket: Dialer = (address, signal, serverUid) =>
	address.startsWith('@') ? dialAbstract(address, signal, serverUid) : dialPath(address, signal, serverUid);

const ownUid = (): number => process.geteuid?.() ?? 0;

function unableToConnect(address: string, error: unknown): ConnectionError {
	const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
	return new ConnectionError(code, address, `unable to connect to ${address}: ${code}`, { cause: error });
}

/**
 * A path socket: its owner is whoever bound it, so lstat after the
 * connect tells who serves it without the addon (dpctl's fast path does not load it). Read after
 * connecting, so a socket swapped in before the connect is seen; a swap between the two needs
 * write access to the directory, which is the caller's to choose.
 */
async function dialPath(address: string, signal: AbortSignal | undefined, serverUid?: number): Promise<Socket> {
	const socket = await connectPath(address, signal);
	try {
		checkServerUid(address, lstatSync(address).uid, ownUid(), serverUid);
	} catch (error: unknown) {
		socket.destroy();
		throw error instanceof ConnectionError ? error : unableToConnect(address, error);
	}
	return socket;
}

/**
 * A socket file this young that refuses is a daemon between bind and listen (it binds under the
 * real path so that `ss -x` names it): worth a retry. An older one is a dead daemon's.
 */
const FRESH_SOCKET_MS = 1000;
const FRESH_RETRY_MS = 5;

function isFreshSocket(address: string): boolean {
	try {
		const info = lstatSync(address);
		return info.isSocket() && Date.now() - info.ctimeMs < FRESH_SOCKET_MS;
	} catch {
		return false;
	}
}

async function connectPath(address: string, signal: AbortSignal | undefined): Promise<Socket> {
	for (;;) {
		try {
			return await connectPathOnce(address, signal);
		} catch (error: unknown) {
			if (!(error instanceof ConnectionError && error.code === 'ECONNREFUSED' && isFreshSocket(address))) throw error;
		}
		await new Promise(resolve => setTimeout(resolve, FRESH_RETRY_MS));
		signal?.throwIfAborted();
	}
}

function connectPathOnce(address: string, signal: AbortSignal | undefined): Promise<Socket> {
	return new Promise<Socket>((resolve, reject) => {
		if (signal?.aborted) return reject(signal.reason);
		const socket = createConnection({ path: address });
		const onAbort = (): void => {
			socket.destroy();
			reject(signal?.reason);
		};
		signal?.addEventListener('abort', onAbort, { once: true });
		socket.once('error', (error: NodeJS.ErrnoException) => {
			signal?.removeEventListener('abort', onAbort);
			reject(unableToConnect(address, error));
		});
		socket.once('connect', () => {
			signal?.removeEventListener('abort', onAbort);
			socket.removeAllListeners('error');
			resolve(socket);
		});
	});
}

/**
 * `@name`: node:net pads an abstract address to the whole sun_path, which is another name than the
 * exact-length one the daemon (and socat, systemd, C clients) bind, so sys.ts connects and
 * net.Socket adopts the connected fd. The name is its UTF-8 bytes, as the daemon binds its -S
 * value and as socat and Node's own paths encode names. The connect is immediate (EAGAIN when the
 * daemon's backlog is full): there is nothing to abort once it has started.
 */
async function dialAbstract(address: string, signal: AbortSignal | undefined, serverUid?: number): Promise<Socket> {
	signal?.throwIfAborted();
	if (address.length === 1) {
		throw new ConnectionError(
			'EINVAL',
			address,
			`unable to connect to ${address}: the abstract socket name after @ is empty`,
		);
	}
	// Loaded here, not statically: a client of a path socket never loads the native addon. The one
	// import of the OS layer by the client (ARCHITECTURE.md; test/unit/architecture/layering.test.ts).
	// eslint-disable-next-line import-x/no-restricted-paths
	const sys = await import('../os/sys.js');
	signal?.throwIfAborted();
	let fd: number;
	try {
		fd = sys.connectAbstract(wireFromArg(address.slice(1)));
	} catch (error: unknown) {
		throw unableToConnect(address, error);
	}
	try {
		// Anyone may bind an abstract name: SO_PEERCRED says who did, before anything is sent.
		checkServerUid(address, sys.peerCred(fd).uid, ownUid(), serverUid);
		return new Socket({ fd, readable: true, writable: true });
	} catch (error: unknown) {
		sys.close(fd);
		throw error;
	}
}
