// The error classes of the client library: what the daemon refused (DaemonError), what went wrong
// with the socket (ConnectionError), and arguments that can never go on the wire (ArgumentError).
// Invariant: a DaemonError always carries the daemon's own words; messages never hold raw LF.
// Must never be thrown for a programmer error of the caller's (those are TypeError/RangeError).

/** The daemon answered a command with `error` (daemonproxy(8), THE PROTOCOL). */
export class DaemonError extends Error {
	override readonly name = 'DaemonError';
	readonly code = 'EDAEMON';
	/** The command line (without tag) this answers. */
	readonly command: string;
	/** The daemon's text, e.g. `No such service, for command "service.start\tweb"`. */
	readonly detail: string;
	/** The lines the command produced before failing (warnings, partial output). */
	readonly lines: readonly string[];

	constructor(command: string, detail: string, lines: readonly string[] = []) {
		super(stripCommandContext(detail));
		this.command = command;
		this.detail = detail;
		this.lines = lines;
	}
}

export type ConnectionErrorCode =
	| 'ENOENT'
	| 'ECONNREFUSED'
	| 'EACCES'
	| 'ENOTSOCK'
	| 'ECONNRESET'
	| 'EPIPE'
	| 'EREFUSED'
	| 'ECLOSED'
	| 'ENOTCONN'
	| (string & {});

/** The socket could not be reached, or was lost; `code` is the errno name when there is one. */
export class ConnectionError extends Error {
	override readonly name = 'ConnectionError';
	readonly code: ConnectionErrorCode;
	/** The address as the user wrote it (`/run/daemonproxy.sock`, `@name`). */
	readonly address: string;

	constructor(code: ConnectionErrorCode, address: string, message: string, options?: ErrorOptions) {
		super(message, options);
		this.code = code;
		this.address = address;
	}
}

/** A field that cannot be sent: the wire has no quoting. */
export class ArgumentError extends Error {
	override readonly name = 'ArgumentError';
	readonly code = 'EINVAL';
}

const CONTEXT_RE = /, for command ".*"(?:\.\.\.)?$/s;

/** `No such service, for command "…"` → `No such service`; other texts unchanged. */
export function stripCommandContext(detail: string): string {
	return detail.replace(CONTEXT_RE, '');
}
