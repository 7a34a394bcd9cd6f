// The fd.* commands that create and delete handles: flag parsing in the 1.1
// vocabulary, the system calls through sys.ts, and the handle table for replacement and fd.state
// broadcasts (fd.socket lives in fd-socket.ts). A failed command leaves every existing handle
// untouched, and never leaks a descriptor it created or received.

import { MSG, callFailed, unknownFlag } from '../../protocol/replies.js';
import type { Handle } from '../../supervisor/handle-table.js';
import { makeParentDirectories } from '../../os/make-directories.js';
import * as sys from '../../os/sys.js';
import type { Verb } from '../../protocol/verbs.js';
import { checkAssignableFdName, type CommandContext, type CommandHandler } from '../command-context.js';
import { EXT_MSG } from '../messages.js';
import { probedHandle } from '../probed-handle.js';
import { fdSocket } from './fd-socket.js';

/** Comma-separated flags; empty elements (and `-` where allowed) are ignored. */
function flagList(field: string, allowDash: boolean): string[] {
	return field.split(',').filter(flag => flag !== '' && !(allowDash && flag === '-'));
}

const errorText = (error: unknown): string => (error as Error).message;

/**
 * Stores new handles. With `--fd-pool` the table refuses when it is full: it throws an
 * error named PoolFullError carrying the 1.1 text, having closed the new fds and changed nothing;
 * that is the command's last check in 1.1, so it becomes the command's failure.
 */
function storeHandles(ctx: CommandContext, ...handles: Handle[]): void {
	try {
		ctx.supervisor.handles.put(...handles);
	} catch (error: unknown) {
		if (error instanceof Error && error.name === 'PoolFullError') return ctx.fail(error.message);
		throw error;
	}
}

function fdPipe(ctx: CommandContext): void {
	const [readName, writeName, flagsField = ''] = ctx.args;
	if (!checkAssignableFdName(ctx, readName) || !checkAssignableFdName(ctx, writeName)) return;
	if (readName === writeName) return ctx.fail(EXT_MSG.sameNameTwice);
	let nonblock = false;
	let socketpair = false;
	let domain: 'unix' | 'inet' | 'inet6' = 'unix';
	let type: 'stream' | 'dgram' | 'seqpacket' = 'stream';
	for (const flag of flagList(flagsField, true)) {
		switch (flag) {
			case 'nonblock':
				nonblock = true;
				continue;
			case 'unix':
				domain = 'unix';
				break;
			case 'inet':
				domain = 'inet';
				break;
			case 'inet6':
				if (domain !== 'inet') domain = 'inet6';
				break;
			case 'tcp':
				domain = 'inet';
				type = 'stream';
				break;
			case 'udp':
				domain = 'inet';
				type = 'dgram';
				break;
			case 'stream':
				type = 'stream';
				break;
			case 'dgram':
				type = 'dgram';
				break;
			case 'seqpacket':
				if (type !== 'dgram') type = 'seqpacket';
				break;
			default:
				return ctx.fail(unknownFlag(flag));
		}
		socketpair = true;
	}
	// socketpair(2) exists only for AF_UNIX; 1.1 reported the kernel's refusal.
	if (socketpair && domain !== 'unix') return ctx.fail(callFailed('socketpair()', sys.strerror(95 /* EOPNOTSUPP */)));
	let ends: [number, number];
	try {
		ends = socketpair ? sys.socketpair(type) : sys.pipe();
	} catch (error: unknown) {
		return ctx.fail(callFailed(socketpair ? 'socketpair()' : 'pipe()', errorText(error)));
	}
	if (nonblock) {
		try {
			for (const fd of ends) sys.setNonblock(fd, true);
		} catch (error: unknown) {
			for (const fd of ends) sys.close(fd);
			return ctx.fail(callFailed('fcntl(O_NONBLOCK)', errorText(error)));
		}
	}
	const prefix = [...(socketpair ? [domain, type] : []), ...(nonblock ? ['nonblock'] : [])];
	// 1.1 showed both socketpair ends as `to`; kept, clients may match on it.
	const flags = (direction: string): string => [...prefix, direction].join(',');
	const readEnd: Handle = {
		name: readName,
		fd: ends[0],
		type: 'pipe',
		flags: flags(socketpair ? 'to' : 'from'),
		description: '',
		constant: false,
		peer: null,
	};
	const writeEnd: Handle = {
		name: writeName,
		fd: ends[1],
		type: 'pipe',
		flags: flags('to'),
		description: '',
		constant: false,
		peer: readEnd,
	};
	readEnd.peer = writeEnd;
	storeHandles(ctx, readEnd, writeEnd);
}

const OPEN_FLAGS = ['read', 'write', 'append', 'create', 'trunc', 'nonblock', 'mkdir'] as const;
type OpenFlag = (typeof OPEN_FLAGS)[number];

function fdOpen(ctx: CommandContext): void {
	const [name, flagsField, path, extra] = ctx.args;
	if (!checkAssignableFdName(ctx, name)) return;
	if (flagsField === undefined) return ctx.fail(MSG.missingFlags);
	if (path === undefined) return ctx.fail(MSG.missingPath);
	if (extra !== undefined) return ctx.fail(MSG.unexpectedAfterPath);
	const given = new Set<OpenFlag>();
	for (const flag of flagList(flagsField, false)) {
		if (!(OPEN_FLAGS as readonly string[]).includes(flag)) return ctx.fail(unknownFlag(flag));
		given.add(flag as OpenFlag);
	}
	const has = (flag: OpenFlag): boolean => given.has(flag);
	// Errors are ignored, as in 1.1: the open reports what matters.
	if (has('mkdir')) makeParentDirectories(path, 0o700, sys.mkdir);
	const write = has('write');
	let fd: number;
	try {
		fd = sys.openFile(path, {
			read: !write || has('read'),
			write,
			append: has('append'),
			create: has('create'),
			trunc: has('trunc'),
			nonblock: has('nonblock'),
		});
	} catch (error: unknown) {
		return ctx.fail(callFailed('open', errorText(error)));
	}
	const access = write ? (has('read') ? 'read,write' : 'write') : 'read';
	const flags = [access, ...OPEN_FLAGS.filter(flag => flag !== 'read' && flag !== 'write' && has(flag))].join(',');
	storeHandles(ctx, { name, fd, type: 'file', flags, description: path, constant: false, peer: null });
}

function fdDelete(ctx: CommandContext): void {
	const name = ctx.args[0];
	if (!checkAssignableFdName(ctx, name)) return;
	if (!ctx.supervisor.handles.delete(name)) ctx.fail(MSG.noSuchFd);
}

/**
 * fd.take: the oldest descriptor this connection received becomes NAME, type and flags
 * probed. The queue is checked before the name; a refused name closes the dequeued descriptor.
 */
function fdTake(ctx: CommandContext): void {
	const fd = ctx.controller.takeFd();
	if (fd === undefined) return ctx.fail(MSG.noAncillaryFd);
	const name = ctx.args[0];
	if (!checkAssignableFdName(ctx, name)) {
		sys.close(fd);
		return;
	}
	storeHandles(ctx, probedHandle(name, fd));
}

export const fdCommands = {
	'fd.pipe': fdPipe,
	'fd.open': fdOpen,
	'fd.socket': fdSocket,
	'fd.delete': fdDelete,
	'fd.take': fdTake,
} as const satisfies Partial<Record<Verb, CommandHandler>>;
