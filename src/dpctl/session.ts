// What every dpctl command needs around the library: the socket address (-S, the environment,
// the default), the request mode, one connection, a deadline, and the translation of any failure
// into a diagnostic line and an exit status.
// Must never print a wire byte raw to a terminal, nor retry a failed connection.

import { resolveSocketAddress } from '../client/address.js';
import type { Client, ConnectOptions } from '../client/client.js';
import { Connection, type ConnectionOptions, type RequestMode } from '../client/connection.js';
import { dialUnixSocket } from '../client/dial.js';
import { ArgumentError, ConnectionError, DaemonError } from '../client/errors.js';
import { resolveServerUid, SERVER_UID_ENV, UntrustedServerError } from '../client/server-uid.js';
import { CliError, DeadlineError, EXIT, usageError } from './exit-codes.js';
import type { CliArgs } from './options.js';
import { displayWire, Output } from './output.js';

/** `auto` (default), `tagged` or `echo`: forces a request mode (testing, or a known 1.1 daemon). */
export const PROTOCOL_ENV = 'DPCTL_PROTOCOL';

export function requestMode(env: NodeJS.ProcessEnv = process.env): RequestMode {
	const value = env[PROTOCOL_ENV] ?? '';
	if (value === '' || value === 'auto') return 'auto';
	if (value === 'tagged' || value === 'echo') return value;
	throw usageError(`${PROTOCOL_ENV} must be auto, tagged or echo, not ${JSON.stringify(value)}`);
}

export const stdout = (): Output => new Output(process.stdout);
export const stderr = (): Output => new Output(process.stderr);

export interface Deadline {
	readonly signal: AbortSignal | undefined;
	readonly seconds: number | null;
	/** Milliseconds left (Infinity without a deadline). */
	remainingMs(): number;
}

/** --timeout SECONDS, else `defaultSeconds` (null: wait for ever). */
export function deadline(args: CliArgs, defaultSeconds: number | null): Deadline {
	const seconds = args.timeout ?? defaultSeconds;
	if (seconds === null) return { signal: undefined, seconds, remainingMs: () => Infinity };
	if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
		throw usageError('--timeout must be a number of seconds, 0 or more');
	}
	const controller = new AbortController();
	const end = performance.now() + seconds * 1000;
	setTimeout(() => controller.abort(new DeadlineError(`timed out after ${seconds} s`)), seconds * 1000).unref();
	return { signal: controller.signal, seconds, remainingMs: () => Math.max(0, end - performance.now()) };
}

/** One client for one command; bytes pass through unchanged (latin1). */
export async function openClient(
	args: CliArgs,
	signal?: AbortSignal,
	reconnect = false,
	onConnection?: ConnectOptions['onConnection'],
): Promise<Client> {
	const address = resolveSocketAddress(args.socket);
	const mode = requestMode();
	const serverUid = serverUidOf(args);
	const { Client } = await import('../client/client.js'); // not needed by `dpctl VERB`: keep it off that path
	return Client.open(address, {
		encoding: 'latin1',
		reconnect,
		mode,
		...(signal ? { signal } : {}),
		...(serverUid === undefined ? {} : { serverUid }),
		...(onConnection ? { onConnection } : {}),
	});
}

/** A bare connection (no event streams, no typed commands): the fast path of `dpctl VERB`. */
export async function openConnection(
	args: CliArgs,
	signal?: AbortSignal,
	handlers: Pick<ConnectionOptions, 'onEvent' | 'onClose'> = {},
): Promise<Connection> {
	const address = resolveSocketAddress(args.socket);
	const mode = requestMode();
	const stream = await dialUnixSocket(address, signal, serverUidOf(args));
	return new Connection(stream, { address, encoding: 'latin1', mode, ...handlers });
}

/** --server-uid, else $DAEMONPROXY_SERVER_UID (dpctl(1)); a value that is not a uid is a usage error. */
function serverUidOf(args: CliArgs): number | undefined {
	const explicit = args['server-uid'];
	return resolveServerUid(explicit === undefined ? undefined : String(explicit));
}

/** EAGAIN from connect(): the listener's backlog is full (node:net and sys.ts alike). */
const NOT_ACCEPTING = 'the daemon is not accepting connections: is it stopped, or overloaded?';

const HINTS: Readonly<Record<string, string>> = {
	ENOENT: 'is daemonproxy running? set DAEMONPROXY_SOCKET or -S',
	ECONNREFUSED: 'is daemonproxy running? set DAEMONPROXY_SOCKET or -S',
	EACCES:
		"permission denied by the socket's file mode (default 0600: only the daemon's user and root); " +
		'the daemon must be started with --socket-mode (e.g. 0660, with the socket in a group of yours) ' +
		'as well as --allow ROLE:user=YOU',
	ENOTSOCK: 'that path is not a socket; set DAEMONPROXY_SOCKET or -S',
	EAGAIN: NOT_ACCEPTING,
};

/** An abstract name has no file to be missing or protected; what can go wrong is said differently. */
const ABSTRACT_HINTS: Readonly<Record<string, (address: string) => string>> = {
	ECONNREFUSED: address =>
		`no daemonproxy listening on abstract socket ${address}; start it with -S ${address}, or set DAEMONPROXY_SOCKET or -S`,
	ENAMETOOLONG: () => 'an abstract socket name has at most 107 bytes after the @',
	EAGAIN: () => NOT_ACCEPTING,
};

/** What to do about a failed connect; undefined when there is nothing useful to add. */
function connectHint(error: ConnectionError): string | undefined {
	if (!error.message.startsWith('unable to connect')) return undefined;
	if (error.address.startsWith('@')) return ABSTRACT_HINTS[error.code]?.(error.address);
	return HINTS[error.code];
}

/** `service.start web` from a command line (for messages), shortened. */
function shortCommand(line: string): string {
	const words = line.split('\t').join(' ');
	return words.length > 60 ? `${words.slice(0, 57)}...` : words;
}

/** The diagnostic and exit status for anything a command threw. */
export function describeFailure(error: unknown): { exitCode: number; message: string } {
	const show = (s: string): string => (process.stderr.isTTY ? displayWire(s) : s);
	if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message };
	if (error instanceof DaemonError) {
		return {
			exitCode: EXIT.daemon,
			message: `dpctl: error: ${show(error.message)} (${show(shortCommand(error.command))})`,
		};
	}
	if (error instanceof UntrustedServerError) {
		const accept = `--server-uid ${error.serverUid} or ${SERVER_UID_ENV}=${error.serverUid}`;
		return { exitCode: EXIT.system, message: `dpctl: fatal: ${show(error.message)} with ${accept}` };
	}
	if (error instanceof ConnectionError) {
		const hint = connectHint(error);
		return { exitCode: EXIT.system, message: `dpctl: fatal: ${show(error.message)}${hint ? ` (${show(hint)})` : ''}` };
	}
	if (error instanceof ArgumentError) return { exitCode: EXIT.usage, message: `dpctl: ${error.message}` };
	if (error instanceof Error && error.name === 'TimeoutError') {
		return { exitCode: EXIT.timeout, message: `dpctl: ${error.message || 'timed out'}` };
	}
	const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
	return { exitCode: EXIT.system, message: `dpctl: fatal: internal error: ${text}` };
}
