// Opening the control socket (design §2): a filesystem path or `@abstract` name, with the
// failure turned into a ConnectionError that names the address and the errno.
// Must never retry: whether to try again is the caller's decision (Client reconnects, dpctl not).
// (An abstract name refused by Node's own connect is tried once more through socat: Node 20 pads
// abstract addresses, see abstract-bridge.ts.)

import { createConnection, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { netPath } from './address.js';
import { ConnectionError } from './errors.js';

/** How a client gets its byte stream; tests substitute an in-memory one. */
export type Dialer = (address: string, signal?: AbortSignal) => Promise<Duplex>;

/** A path, or `@name`: tried directly, then (refused) through socat, see abstract-bridge.ts. */
export const dialUnixSocket: Dialer = async (address, signal) => {
	try {
		return await dialNet(address, signal);
	} catch (error: unknown) {
		if (!address.startsWith('@') || !(error instanceof ConnectionError) || error.code !== 'ECONNREFUSED') throw error;
		const { dialAbstractViaSocat } = await import('./abstract-bridge.js');
		return dialAbstractViaSocat(address, signal);
	}
};

function dialNet(address: string, signal: AbortSignal | undefined): Promise<Socket> {
	return new Promise<Socket>((resolve, reject) => {
		if (signal?.aborted) return reject(signal.reason);
		const socket = createConnection({ path: netPath(address) });
		const onAbort = (): void => {
			socket.destroy();
			reject(signal?.reason);
		};
		signal?.addEventListener('abort', onAbort, { once: true });
		socket.once('error', (error: NodeJS.ErrnoException) => {
			signal?.removeEventListener('abort', onAbort);
			const code = error.code ?? 'EIO';
			reject(new ConnectionError(code, address, `unable to connect to ${address}: ${code}`, { cause: error }));
		});
		socket.once('connect', () => {
			signal?.removeEventListener('abort', onAbort);
			socket.removeAllListeners('error');
			resolve(socket);
		});
	});
}
