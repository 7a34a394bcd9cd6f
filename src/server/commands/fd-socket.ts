// The fd.socket command: 1.1's flag vocabulary and precedence, the address syntaxes
// (a path; `*` or a dotted quad with `:PORT`; for inet6, our extension `*` or `[ADDR]` with
// `:PORT`), then socket → SO_REUSEADDR → bind → listen → O_NONBLOCK through sys.ts.
// Every argument is checked before any system call; a failed command leaves no fd behind.

import { unlinkSync } from 'node:fs';
import { MSG, socketStepFailed, unknownFlag, type SocketStep } from '../../protocol/replies.js';
import { makeParentDirectories } from '../../os/make-directories.js';
import * as sys from '../../os/sys.js';
import { checkAssignableFdName, type CommandContext } from '../command-context.js';

type Domain = 'unix' | 'inet' | 'inet6';
type SocketType = 'stream' | 'dgram' | 'seqpacket';

/** The backlog of `listen` without a number, or `listen=`. */
const DEFAULT_LISTEN_BACKLOG = 32;
const MAX_LISTEN_BACKLOG = 65535;
const MAX_PORT = 65535;
/** sun_path holds 108 bytes with the terminating NUL. */
const MAX_UNIX_PATH_BYTES = 107;

/** What the FLAGS field asks for, before precedence is applied. */
interface SocketRequest {
	inet: boolean;
	inet6: boolean;
	dgram: boolean;
	seqpacket: boolean;
	bind: boolean;
	/** Backlog, or null for no listen. */
	listen: number | null;
	mkdir: boolean;
	nonblock: boolean;
}

type Address =
	| { readonly domain: 'unix'; readonly path: string }
	| { readonly domain: 'inet' | 'inet6'; readonly host: string; readonly port: number };

const BACKLOG_RE = /^[0-9]{1,5}$/;
const PORT_RE = /^[0-9]{1,5}$/;
const INET_RE = /^(\*|[0-9.]+)(?::(.*))?$/;
const INET6_RE = /^(?:\*|\[([^\]]*)\])(?::(.*))?$/;

/** Parses FLAGS; returns the error message of the first bad element instead. */
function parseFlags(field: string): SocketRequest | string {
	const request: SocketRequest = {
		inet: false,
		inet6: false,
		dgram: false,
		seqpacket: false,
		bind: false,
		listen: null,
		mkdir: false,
		nonblock: false,
	};
	for (const element of field.split(',')) {
		if (element === '') continue;
		const eq = element.indexOf('=');
		const flag = eq < 0 ? element : element.slice(0, eq);
		// 1.1 accepted (and ignored) a value on every flag; only listen's value means something.
		const value = eq < 0 ? '' : element.slice(eq + 1);
		switch (flag) {
			case 'unix':
				request.inet = false;
				break;
			case 'inet':
				request.inet = true;
				break;
			case 'inet6':
				request.inet6 = true;
				break;
			case 'tcp':
				request.inet = true;
				break;
			case 'udp':
				request.inet = true;
				request.dgram = true;
				break;
			case 'stream':
				break;
			case 'dgram':
				request.dgram = true;
				break;
			case 'seqpacket':
				request.seqpacket = true;
				break;
			case 'bind':
				request.bind = true;
				break;
			case 'listen': {
				const backlog = value === '' ? DEFAULT_LISTEN_BACKLOG : BACKLOG_RE.test(value) ? Number(value) : 0;
				if (backlog < 1 || backlog > MAX_LISTEN_BACKLOG) return MSG.invalidListenQueue;
				request.listen = backlog;
				request.bind = true;
				break;
			}
			case 'mkdir':
				request.mkdir = true;
				break;
			case 'nonblock':
				request.nonblock = true;
				break;
			default:
				return unknownFlag(flag);
		}
	}
	return request;
}

function parsePort(text: string | undefined): number | null {
	if (text === undefined) return 0;
	if (!PORT_RE.test(text)) return null;
	const port = Number(text);
	return port <= MAX_PORT ? port : null;
}

/** The ADDRESS field for `domain`, or null (`invalid address`). */
function parseAddress(domain: Domain, text: string): Address | null {
	switch (domain) {
		case 'unix':
			if (text.length === 0 || text.length > MAX_UNIX_PATH_BYTES || text.includes('\0')) return null;
			return { domain, path: text };
		case 'inet': {
			const match = INET_RE.exec(text);
			if (!match) return null;
			const [, host = '', portText] = match;
			const port = parsePort(portText);
			if (port === null || (host !== '*' && !sys.isInetAddress('inet', host))) return null;
			return { domain, host: host === '*' ? '0.0.0.0' : host, port };
		}
		case 'inet6': {
			// Our extension (1.1 had no IPv6 syntax): `*` or `[ADDR]`, then an optional `:PORT`.
			const match = INET6_RE.exec(text);
			if (!match) return null;
			const [, host, portText] = match;
			const port = parsePort(portText);
			if (port === null || (host !== undefined && !sys.isInetAddress('inet6', host))) return null;
			return { domain, host: host ?? '::', port };
		}
	}
}

/** The fd.state FLAGS of a socket: `DOMAIN,TYPE[,bind][,listen=N][,mkdir][,nonblock]`. */
function renderFlags(domain: Domain, type: SocketType, request: SocketRequest): string {
	return [
		domain,
		type,
		...(request.bind ? ['bind'] : []),
		...(request.listen === null ? [] : [`listen=${request.listen}`]),
		...(request.mkdir ? ['mkdir'] : []),
		...(request.nonblock ? ['nonblock'] : []),
	].join(',');
}

class StepFailed extends Error {
	readonly step: SocketStep;

	constructor(step: SocketStep, cause: unknown) {
		super((cause as Error).message);
		this.step = step;
	}
}

function step<T>(name: SocketStep, call: () => T): T {
	try {
		return call();
	} catch (error: unknown) {
		throw new StepFailed(name, error);
	}
}

/** Creates, binds, listens and sets O_NONBLOCK; on failure closes the fd and unlinks what it bound. */
function openSocket(domain: Domain, type: SocketType, request: SocketRequest, address: Address | null): number {
	const fd = step('socket', () => sys.createSocket(domain, type, false));
	let boundPath: string | null = null;
	try {
		if (address) {
			step('setsockopt', () => sys.setReuseAddr(fd));
			step('bind', () => {
				if (address.domain === 'unix') sys.bindUnix(fd, address.path);
				else if (address.domain === 'inet') sys.bindInet(fd, address.host, address.port);
				else sys.bindInet6(fd, address.host, address.port);
			});
			if (address.domain === 'unix') boundPath = address.path;
		}
		const backlog = request.listen;
		if (backlog !== null) step('listen', () => sys.listen(fd, backlog));
		if (request.nonblock) step('fcntl(O_NONBLOCK)', () => sys.setNonblock(fd, true));
		return fd;
	} catch (error: unknown) {
		sys.close(fd);
		// A socket file we just created would make the next attempt fail with EADDRINUSE.
		if (boundPath !== null) unlinkQuietly(boundPath);
		throw error;
	}
}

function unlinkQuietly(path: string): void {
	try {
		unlinkSync(Buffer.from(path, 'latin1'));
	} catch {
		// not there, or not ours to remove
	}
}

export function fdSocket(ctx: CommandContext): void {
	const [name, flagsField, addressField, extra] = ctx.args;
	if (!checkAssignableFdName(ctx, name)) return;
	if (flagsField === undefined) return ctx.fail(MSG.missingFlags);
	const request = parseFlags(flagsField);
	if (typeof request === 'string') return ctx.fail(request);
	// Precedence: inet > inet6 > unix; dgram > seqpacket > stream.
	const domain: Domain = request.inet ? 'inet' : request.inet6 ? 'inet6' : 'unix';
	const type: SocketType = request.dgram ? 'dgram' : request.seqpacket ? 'seqpacket' : 'stream';
	let address: Address | null = null;
	if (addressField !== undefined) {
		address = parseAddress(domain, addressField);
		if (!address) return ctx.fail(MSG.invalidAddress);
		request.bind = true; // an address implies bind
	} else if (request.bind) {
		return ctx.fail(MSG.expectedAddress);
	}
	if (extra !== undefined) return ctx.fail(MSG.unexpectedAfterAddress);
	// Errors are ignored, as in fd.open: bind reports what matters.
	if (request.mkdir && address?.domain === 'unix') makeParentDirectories(address.path, 0o700, sys.mkdir);
	let fd: number;
	try {
		fd = openSocket(domain, type, request, address);
	} catch (error: unknown) {
		if (error instanceof StepFailed) return ctx.fail(socketStepFailed(error.step, error.message));
		throw error;
	}
	const handle = {
		name,
		fd,
		type: 'socket',
		flags: renderFlags(domain, type, request),
		description: addressField ?? '',
		constant: false,
		peer: null,
	} as const;
	try {
		ctx.supervisor.handles.put(handle);
	} catch (error: unknown) {
		// A full `--fd-pool` (see storeHandles in fd-commands.ts; importing it would be circular).
		if (error instanceof Error && error.name === 'PoolFullError') return ctx.fail(error.message);
		throw error;
	}
}
