// The client library: `import {connect} from 'daemonproxy/client'`. Connects to the control
// socket (a path or `@abstract` name), gives typed commands that return promises, events as an
// async iterator, and reconnects on its own, resuming the event stream.
// Re-exports only; must never import anything outside src/client and src/protocol.

import { resolveSocketAddress } from './address.js';
import { Client, type ConnectOptions } from './client.js';

/**
 * Connects to daemonproxy's control socket: `address` (a path or `@name`), else
 * $DAEMONPROXY_SOCKET, else /run/daemonproxy.sock. Rejects with a ConnectionError
 * (`code` ENOENT, ECONNREFUSED, EACCES, …) when nothing answers there.
 */
export function connect(address?: string, options: ConnectOptions = {}): Promise<Client> {
	return Client.open(resolveSocketAddress(address), options);
}

export { Client, type ConnectOptions, type EventsOptions } from './client.js';
export { DEFAULT_SOCKET_PATH, SOCKET_ENV, resolveSocketAddress } from './address.js';
export { ArgumentError, ConnectionError, DaemonError, type ConnectionErrorCode } from './errors.js';
export type { Encoding, Reply, RequestMode, RequestOptions } from './connection.js';
export type { Dialer } from './dial.js';
export type { EventItem, EventSource, ResyncItem, StreamItem } from './event-stream.js';
export type { CallOptions, Dump, Whoami } from './typed-commands.js';
export {
	applyEvent,
	emptySnapshot,
	snapshotFromLines,
	type HandleStatus,
	type PendingSignal,
	type ServiceStatus,
	type Snapshot,
} from './snapshot.js';
export type { DaemonEvent } from '../protocol/events.js';
