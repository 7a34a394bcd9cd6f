// Named handles against the real daemon (spec §7.12–§7.15, §6.6, §10): fd.pipe, fd.open, fd.socket
// and fd.delete with every error in 1.1 order, the replacement rules of §10.1, the exact descriptor
// set a child receives, SO_REUSEADDR, and fd accounting over many create/delete cycles.
// Each test has its own daemon and temp folder; every wait has a deadline.

import { readlinkSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import * as sys from '../../src/os/sys.js';
import {
	DEFAULT_TIMEOUT_MS,
	fixture,
	listFds,
	pollUntil,
	SocketClient,
	startDaemon,
	tempDir,
	type Daemon,
} from './helpers/daemon.js';

/** §5.1: `error\tMESSAGE, for command "CONTEXT"`, the context cut to 30 bytes plus `...`. */
function err(message: string, line: string): string {
	const context = line.length <= 30 ? line : `${line.slice(0, 30)}...`;
	return `error\t${message}, for command "${context}"`;
}

/** Sends each line and checks exactly what the issuer received for it. */
async function expectReplies(
	t: ExecutionContext,
	d: Daemon,
	cases: ReadonlyArray<readonly [string, readonly string[]]>,
): Promise<void> {
	for (const [line, expected] of cases) t.deepEqual(await d.command(line), [...expected], JSON.stringify(line));
}

/** Sends a line that must fail with `message`. */
function fails(line: string, message: string): readonly [string, readonly string[]] {
	return [line, [err(message, line)]];
}

function fdStateOf(dump: readonly string[], name: string): string | undefined {
	return dump.find(line => line.startsWith(`fd.state\t${name}\t`));
}

async function freePort(host: string): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, host, resolve);
	});
	const { port } = server.address() as AddressInfo;
	await new Promise<void>(resolve => server.close(() => resolve()));
	return port;
}

/** Resolves once a connection to `options` is established (the kernel queues it on a listener). */
function connects(options: { path: string } | { host: string; port: number }): Promise<void> {
	return new Promise((resolve, reject) => {
		const socket = createConnection(options);
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`connect to ${JSON.stringify(options)} timed out`));
		}, DEFAULT_TIMEOUT_MS);
		socket.once('connect', () => {
			clearTimeout(timer);
			socket.destroy();
			resolve();
		});
		socket.once('error', error => {
			clearTimeout(timer);
			reject(error);
		});
	});
}

async function ipv6LoopbackWorks(): Promise<boolean> {
	try {
		await freePort('::1');
		return true;
	} catch {
		return false;
	}
}

test('fd.pipe: pipes, socketpairs and every error in 1.1 order', async t => {
	const d = await startDaemon(t, []);
	await expectReplies(t, d, [
		['fd.pipe\tp.r\tp.w', ['fd.state\tp.r\tpipe\tfrom\tp.w', 'fd.state\tp.w\tpipe\tto\tp.r']],
		[
			'fd.pipe\tn.r\tn.w\t-,,nonblock',
			['fd.state\tn.r\tpipe\tnonblock,from\tn.w', 'fd.state\tn.w\tpipe\tnonblock,to\tn.r'],
		],
		[
			'fd.pipe\ts.a\ts.b\tdgram,nonblock',
			['fd.state\ts.a\tpipe\tunix,dgram,nonblock,to\ts.b', 'fd.state\ts.b\tpipe\tunix,dgram,nonblock,to\ts.a'],
		],
		[
			'fd.pipe\tq.a\tq.b\tseqpacket',
			['fd.state\tq.a\tpipe\tunix,seqpacket,to\tq.b', 'fd.state\tq.b\tpipe\tunix,seqpacket,to\tq.a'],
		],
		fails('fd.pipe', 'Expected file descriptor name'),
		fails('fd.pipe\t\tx', 'Expected file descriptor name'),
		fails('fd.pipe\tbad/name\tx', 'Invalid file descriptor name'),
		fails(`fd.pipe\t${'a'.repeat(32)}\tx`, 'Invalid file descriptor name'),
		fails('fd.pipe\tnull\tx', 'File descriptor cannot be altered'),
		fails('fd.pipe\tok.r', 'Expected file descriptor name'),
		fails('fd.pipe\tok.r\tcontrol.cmd', 'File descriptor cannot be altered'),
		fails('fd.pipe\tcontrol.event\tbad/name', 'File descriptor cannot be altered'),
		fails('fd.pipe\tsame\tsame', 'read and write ends need different names'),
		fails('fd.pipe\ta\tb\tnonblock,bogus', 'unknown flag "bogus"'),
		fails('fd.pipe\ta\tb\tinet', 'socketpair() failed: Operation not supported'),
		fails('fd.pipe\ta\tb\tudp', 'socketpair() failed: Operation not supported'),
	]);
	const dump = await d.command('statedump');
	t.is(fdStateOf(dump, 'a'), undefined, 'a failed fd.pipe creates nothing');
	t.is(fdStateOf(dump, 'ok.r'), undefined);
	t.is(fdStateOf(dump, 'p.r'), 'fd.state\tp.r\tpipe\tfrom\tp.w');
});

test('fd.open: flags in canonical order, mkdir, and every error in 1.1 order', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	const deep = join(dir, 'a/b/c/out.txt');
	await expectReplies(t, d, [
		[
			`fd.open\tf1\twrite,read,append,create,nonblock,mkdir\t${deep}`,
			[`fd.state\tf1\tfile\tread,write,append,create,nonblock,mkdir\t${deep}`],
		],
		['fd.open\tf1\t\t/dev/null', ['fd.state\tf1\tfile\tread\t/dev/null']],
		['fd.open\tf2\ttrunc,,create,write\trel.txt', ['fd.state\tf2\tfile\twrite,create,trunc\trel.txt']],
		fails('fd.open', 'Expected file descriptor name'),
		fails('fd.open\tnull\tread\t/dev/null', 'File descriptor cannot be altered'),
		fails('fd.open\tf1', 'missing flags argument'),
		fails('fd.open\tf1\tread', 'missing path argument'),
		fails('fd.open\tf1\tread\t/dev/null\textra', 'unexpected argument after path'),
		fails('fd.open\tf1\ttruncate\t/dev/null', 'unknown flag "truncate"'),
		fails('fd.open\tf1\tread\t', 'open failed: No such file or directory'),
		fails(`fd.open\tf1\tread\t${join(dir, 'missing')}`, 'open failed: No such file or directory'),
	]);
	t.is((await stat(join(dir, 'a/b/c'))).mode & 0o777, 0o700, 'mkdir makes directories 0700');
	t.is((await stat(deep)).mode & 0o777, 0o600, 'create makes files 0600');
	await stat(join(dir, 'rel.txt')); // relative to the daemon's directory
	t.is(fdStateOf(await d.command('statedump'), 'f1'), 'fd.state\tf1\tfile\tread\t/dev/null', 'failures left f1 alone');
});

test('fd.socket: flags, precedence and the fd.state rendering', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	const state = (flags: string, description = ''): string[] => [`fd.state\ts\tsocket\t${flags}\t${description}`];
	await expectReplies(t, d, [
		['fd.socket\ts\t', state('unix,stream')],
		['fd.socket\ts\t,,', state('unix,stream')],
		['fd.socket\ts\tstream', state('unix,stream')],
		['fd.socket\ts\tdgram', state('unix,dgram')],
		['fd.socket\ts\tseqpacket', state('unix,seqpacket')],
		['fd.socket\ts\tseqpacket,dgram', state('unix,dgram')], // dgram > seqpacket > stream
		['fd.socket\ts\tdgram,stream', state('unix,dgram')],
		['fd.socket\ts\tinet', state('inet,stream')],
		['fd.socket\ts\ttcp', state('inet,stream')],
		['fd.socket\ts\tudp', state('inet,dgram')],
		['fd.socket\ts\tinet6', state('inet6,stream')],
		['fd.socket\ts\tinet6,udp', state('inet,dgram')], // inet > inet6 > unix
		['fd.socket\ts\tinet,unix', state('unix,stream')], // unix clears inet
		['fd.socket\ts\tunix,tcp', state('inet,stream')],
		['fd.socket\ts\tinet6,unix', state('inet6,stream')], // unix clears only inet (§7.14)
		['fd.socket\ts\tnonblock,mkdir', state('unix,stream,mkdir,nonblock')],
		['fd.socket\ts\tnonblock=0', state('unix,stream,nonblock')], // a value is ignored, as in 1.1
		['fd.socket\ts\tlisten=5,nonblock\tl5.sock', state('unix,stream,bind,listen=5,nonblock', 'l5.sock')],
		['fd.socket\ts\tlisten\tl32.sock', state('unix,stream,bind,listen=32', 'l32.sock')],
		['fd.socket\ts\tlisten=\tl0.sock', state('unix,stream,bind,listen=32', 'l0.sock')],
		['fd.socket\ts\tlisten=65535\tlmax.sock', state('unix,stream,bind,listen=65535', 'lmax.sock')],
		['fd.socket\ts\tbind\tb.sock', state('unix,stream,bind', 'b.sock')],
		['fd.socket\ts\t\timplied.sock', state('unix,stream,bind', 'implied.sock')],
		['fd.socket\ts\ttcp,listen=10\t*:0', state('inet,stream,bind,listen=10', '*:0')],
		['fd.socket\ts\tudp\t127.0.0.1:0', state('inet,dgram,bind', '127.0.0.1:0')],
	]);
	// The handle listens: the kernel queues a connection on it.
	await expectReplies(t, d, [
		['fd.socket\tlive\tlisten=5\tlive.sock', ['fd.state\tlive\tsocket\tunix,stream,bind,listen=5\tlive.sock']],
	]);
	await connects({ path: join(dir, 'live.sock') });
});

test('fd.socket: address syntax and every error in 1.1 order', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	const ok = (line: string, flags: string, description: string): readonly [string, readonly string[]] => [
		line,
		[`fd.state\tx\tsocket\t${flags}\t${description}`],
	];
	await expectReplies(t, d, [
		// FD-assign, then the FLAGS field
		fails('fd.socket', 'Expected file descriptor name'),
		fails('fd.socket\tbad/name\t', 'Invalid file descriptor name'),
		fails('fd.socket\tnull', 'File descriptor cannot be altered'),
		fails('fd.socket\tx', 'missing flags argument'),
		// the first bad flag element decides; the name before `=` is quoted
		fails('fd.socket\tx\tlisten=0', 'invalid listen queue length'),
		fails('fd.socket\tx\tlisten=65536', 'invalid listen queue length'),
		fails('fd.socket\tx\tlisten=-1', 'invalid listen queue length'),
		fails('fd.socket\tx\tlisten=abc\tp.sock', 'invalid listen queue length'),
		fails('fd.socket\tx\tlisten=0,bogus', 'invalid listen queue length'),
		fails('fd.socket\tx\tbogus,listen=0', 'unknown flag "bogus"'),
		fails('fd.socket\tx\tbogus=1', 'unknown flag "bogus"'),
		fails('fd.socket\tx\t-', 'unknown flag "-"'),
		fails('fd.socket\tx\tTCP', 'unknown flag "TCP"'),
		// then the address, then its absence, then what follows it
		fails('fd.socket\tx\t\t', 'invalid address'),
		fails('fd.socket\tx\tinet\t*:\textra', 'invalid address'),
		fails('fd.socket\tx\tbind', 'expected address argument'),
		fails('fd.socket\tx\tlisten', 'expected address argument'),
		fails('fd.socket\tx\ttcp,listen=3', 'expected address argument'),
		fails('fd.socket\tx\t\tp.sock\textra', 'unexpected argument after address'),
		fails('fd.socket\tx\tinet\t*\t', 'unexpected argument after address'),
		// unix: 1..107 bytes
		fails(`fd.socket\tx\t\t${'p'.repeat(108)}`, 'invalid address'),
		ok(`fd.socket\tx\tdgram\t${'p'.repeat(107)}`, 'unix,dgram,bind', 'p'.repeat(107)),
		// inet: `*` or a dotted quad (no host names), optional `:PORT`
		ok('fd.socket\tx\tinet\t*', 'inet,stream,bind', '*'),
		ok('fd.socket\tx\tudp\t127.0.0.1', 'inet,dgram,bind', '127.0.0.1'),
		ok('fd.socket\tx\tudp\t0.0.0.0:0', 'inet,dgram,bind', '0.0.0.0:0'),
		fails('fd.socket\tx\tinet\tlocalhost:53', 'invalid address'),
		fails('fd.socket\tx\tinet\t1.2.3', 'invalid address'),
		fails('fd.socket\tx\tinet\t1.2.3.256', 'invalid address'),
		fails('fd.socket\tx\tinet\t1.2.3.4:', 'invalid address'),
		fails('fd.socket\tx\tinet\t1.2.3.4:65536', 'invalid address'),
		fails('fd.socket\tx\tinet\t1.2.3.4:8x', 'invalid address'),
		fails('fd.socket\tx\tinet\t:80', 'invalid address'),
		fails('fd.socket\tx\tinet\t[::1]:80', 'invalid address'),
		// inet6 (our extension): `*` or `[ADDR]`, optional `:PORT`
		fails('fd.socket\tx\tinet6\t::1', 'invalid address'),
		fails('fd.socket\tx\tinet6\t[::1', 'invalid address'),
		fails('fd.socket\tx\tinet6\t[::1]:', 'invalid address'),
		fails('fd.socket\tx\tinet6\t[::1]x', 'invalid address'),
		fails('fd.socket\tx\tinet6\t[fe80::1%lo]:0', 'invalid address'),
		fails('fd.socket\tx\tinet6\t[1.2.3.4]', 'invalid address'),
		fails('fd.socket\tx\tinet6\t127.0.0.1:0', 'invalid address'),
		// system-call steps
		fails('fd.socket\tx\tdgram,listen\tdg.sock', 'listen: Operation not supported'),
	]);
	if (await ipv6LoopbackWorks()) {
		await expectReplies(t, d, [
			ok('fd.socket\tx\tinet6,dgram\t*', 'inet6,dgram,bind', '*'),
			ok('fd.socket\tx\tinet6,dgram\t*:0', 'inet6,dgram,bind', '*:0'),
			ok('fd.socket\tx\tinet6,dgram\t[::]:0', 'inet6,dgram,bind', '[::]:0'),
			ok('fd.socket\tx\tinet6,udp\t127.0.0.1:0', 'inet,dgram,bind', '127.0.0.1:0'),
		]);
	} else {
		t.log('no IPv6 here: inet6 binding not checked');
	}
	// A failed step leaves no socket file behind, so the same path can be used again.
	await expectReplies(t, d, [['fd.socket\tx\tdgram\tdg.sock', ['fd.state\tx\tsocket\tunix,dgram,bind\tdg.sock']]]);
	t.is(fdStateOf(await d.command('statedump'), 'x'), 'fd.state\tx\tsocket\tunix,dgram,bind\tdg.sock');
});

test('fd.socket: unix paths are relative, mkdir makes parents, an existing path is never replaced nor removed', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	await writeFile(join(dir, 'taken'), 'not a socket\n');
	await expectReplies(t, d, [
		['fd.socket\tl\tlisten\trel.sock', ['fd.state\tl\tsocket\tunix,stream,bind,listen=32\trel.sock']],
		[
			'fd.socket\tm\tmkdir,listen\tsub/dir/m.sock',
			['fd.state\tm\tsocket\tunix,stream,bind,listen=32,mkdir\tsub/dir/m.sock'],
		],
		fails('fd.socket\tn\tlisten\tno/such/dir/n.sock', 'bind: No such file or directory'),
		fails('fd.socket\tt\tbind\ttaken', 'bind: Address already in use'),
		fails('fd.socket\tl2\tlisten\trel.sock', 'bind: Address already in use'),
	]);
	await connects({ path: join(dir, 'rel.sock') });
	await connects({ path: join(dir, 'sub/dir/m.sock') });
	t.is((await stat(join(dir, 'sub/dir'))).mode & 0o777, 0o700);
	t.is(await readFile(join(dir, 'taken'), 'latin1'), 'not a socket\n', 'an existing file is left alone');
	await expectReplies(t, d, [['fd.delete\tl', ['fd.state\tl\tdeleted']]]);
	t.true((await stat(join(dir, 'rel.sock'))).isSocket(), 'the path stays after fd.delete (1.1)');
	// chdir moves where later relative paths go.
	await mkdir(join(dir, 'other'));
	await expectReplies(t, d, [
		['chdir\tother', []],
		['fd.socket\tl\tlisten\trel.sock', ['fd.state\tl\tsocket\tunix,stream,bind,listen=32\trel.sock']],
	]);
	await connects({ path: join(dir, 'other/rel.sock') });
});

test('fd.socket: inet and inet6 listeners accept connections; a busy port is reported', async t => {
	const d = await startDaemon(t, []);
	const port = await freePort('127.0.0.1');
	await expectReplies(t, d, [
		[
			`fd.socket\tv4\ttcp,listen=4\t127.0.0.1:${port}`,
			[`fd.state\tv4\tsocket\tinet,stream,bind,listen=4\t127.0.0.1:${port}`],
		],
		fails(`fd.socket\tv4b\ttcp,listen\t127.0.0.1:${port}`, 'bind: Address already in use'),
	]);
	await connects({ host: '127.0.0.1', port });
	if (!(await ipv6LoopbackWorks())) {
		t.log('no IPv6 loopback here: inet6 listening not checked');
		return;
	}
	const port6 = await freePort('::1');
	await expectReplies(t, d, [
		[
			`fd.socket\tv6\tinet6,listen\t[::1]:${port6}`,
			[`fd.state\tv6\tsocket\tinet6,stream,bind,listen=32\t[::1]:${port6}`],
		],
	]);
	await connects({ host: '::1', port: port6 });
});

test('fd.socket: SO_REUSEADDR lets a new listener bind a port in TIME_WAIT; a service accepts on a socket handle', async t => {
	const d = await startDaemon(t, []);
	const port = await freePort('127.0.0.1');
	await expectReplies(t, d, [
		[
			`fd.socket\tl\ttcp,listen\t127.0.0.1:${port}`,
			[`fd.state\tl\tsocket\tinet,stream,bind,listen=32\t127.0.0.1:${port}`],
		],
		[
			`service.args\tacc\t${process.execPath}\t${fixture('accept-once.js')}`,
			[`service.args\tacc\t${process.execPath}\t${fixture('accept-once.js')}`],
		],
		['service.fds\tacc\tnull\tnull\tstderr\tl', ['service.fds\tacc\tnull\tnull\tstderr\tl']],
	]);
	d.send('service.start\tacc');
	await d.stdout.waitFor(/^service\.state\tacc\tup\t/);
	// The child accepts, sends `hello` and closes first: its side of the connection ends in TIME_WAIT.
	const reply = await new Promise<string>((resolve, reject) => {
		const socket = createConnection({ host: '127.0.0.1', port });
		let text = '';
		socket.on('data', (chunk: Buffer) => {
			text += chunk.toString('latin1');
		});
		socket.on('end', () => resolve(text));
		socket.on('error', reject);
	});
	t.is(reply, 'hello\n');
	await d.stdout.waitFor(/^service\.state\tacc\tdown\t\d+\t\d+\texit\t0\t/);
	await expectReplies(t, d, [['fd.delete\tl', ['fd.state\tl\tdeleted']]]);
	// Control: without SO_REUSEADDR the port cannot be bound now.
	const plain = sys.createSocket('inet', 'stream', false);
	try {
		const error = t.throws(() => sys.bindInet(plain, '127.0.0.1', port), { instanceOf: sys.SysError });
		t.is(error?.code, 'EADDRINUSE', 'the TIME_WAIT connection holds the port');
	} finally {
		sys.close(plain);
	}
	await expectReplies(t, d, [
		[
			`fd.socket\tl\ttcp,listen\t127.0.0.1:${port}`,
			[`fd.state\tl\tsocket\tinet,stream,bind,listen=32\t127.0.0.1:${port}`],
		],
	]);
	await connects({ host: '127.0.0.1', port });
});

test('fd.delete: errors in 1.1 order, the deleted line, and the peer description becoming ?', async t => {
	const d = await startDaemon(t, []);
	await expectReplies(t, d, [
		['fd.pipe\tp.r\tp.w', ['fd.state\tp.r\tpipe\tfrom\tp.w', 'fd.state\tp.w\tpipe\tto\tp.r']],
		fails('fd.delete', 'Expected file descriptor name'),
		fails('fd.delete\t', 'Expected file descriptor name'),
		fails('fd.delete\tp/w', 'Invalid file descriptor name'),
		fails('fd.delete\tnull', 'File descriptor cannot be altered'),
		fails('fd.delete\tcontrol.socket', 'File descriptor cannot be altered'),
		fails('fd.delete\tnosuch', 'No such file descriptor'),
		['fd.delete\tp.w\textra', ['fd.state\tp.w\tdeleted']],
		fails('fd.delete\tp.w', 'No such file descriptor'),
		['fd.delete\tstdin', ['fd.state\tstdin\tdeleted']],
	]);
	const dump = await d.command('statedump');
	t.is(fdStateOf(dump, 'p.r'), 'fd.state\tp.r\tpipe\tfrom\t?');
	t.is(fdStateOf(dump, 'p.w'), undefined);
	t.is(fdStateOf(dump, 'stdin'), undefined);
	t.is(fdStateOf(dump, 'null'), 'fd.state\tnull\tspecial\tread,write\t/dev/null');
});

test('replacing a handle broadcasts only the new fd.state, closes the old descriptor, and orphans its peer (§10.1)', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, ['-S', join(dir, 'ctl.sock')]);
	const out = join(dir, 'out.txt');
	await expectReplies(t, d, [
		['fd.pipe\tr\tw', ['fd.state\tr\tpipe\tfrom\tw', 'fd.state\tw\tpipe\tto\tr']],
		[`fd.open\tout\twrite,create\t${out}`, [`fd.state\tout\tfile\twrite,create\t${out}`]],
		['service.args\tcat\t/bin/sh\t-c\tcat; echo EOF-seen', ['service.args\tcat\t/bin/sh\t-c\tcat; echo EOF-seen']],
		['service.fds\tcat\tr\tout\tstderr', ['service.fds\tcat\tr\tout\tstderr']],
	]);
	d.send('service.start\tcat');
	await d.stdout.waitFor(/^service\.state\tcat\tup\t/);
	// The daemon holds the only write end: replacing it must close it, so `cat` sees EOF.
	d.send('fd.open\tw\twrite\t/dev/null');
	t.is(await d.stdout.next(), 'fd.state\tw\tfile\twrite\t/dev/null', 'only the new fd.state, no `deleted`');
	await d.stdout.waitFor(/^service\.state\tcat\tdown\t\d+\t\d+\texit\t0\t/);
	t.is(await readFile(out, 'latin1'), 'EOF-seen\n');
	t.is(fdStateOf(await d.command('statedump'), 'r'), 'fd.state\tr\tpipe\tfrom\t?');
	// Replacing through fd.pipe, fd.socket: the same rules; another controller sees the same lines.
	const other = await SocketClient.connect(join(dir, 'ctl.sock'));
	t.teardown(() => other.close());
	await expectReplies(t, d, [
		['fd.pipe\ta.r\ta.w', ['fd.state\ta.r\tpipe\tfrom\ta.w', 'fd.state\ta.w\tpipe\tto\ta.r']],
		['fd.pipe\ta.r\tb.w', ['fd.state\ta.r\tpipe\tfrom\tb.w', 'fd.state\tb.w\tpipe\tto\ta.r']],
		['fd.socket\tb.w\tdgram', ['fd.state\tb.w\tsocket\tunix,dgram\t']],
	]);
	t.deepEqual(await other.command('echo\tsync'), [
		'fd.state\ta.r\tpipe\tfrom\ta.w',
		'fd.state\ta.w\tpipe\tto\ta.r',
		'fd.state\ta.r\tpipe\tfrom\tb.w',
		'fd.state\tb.w\tpipe\tto\ta.r',
		'fd.state\tb.w\tsocket\tunix,dgram\t',
		'sync',
	]);
	const dump = await d.command('statedump');
	t.is(fdStateOf(dump, 'a.w'), 'fd.state\ta.w\tpipe\tto\t?');
	t.is(fdStateOf(dump, 'a.r'), 'fd.state\ta.r\tpipe\tfrom\t?');
});

test('a child gets exactly its listed descriptors, including a pipe and a socket handle (design §5)', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	const out = join(dir, 'fds.txt');
	await expectReplies(t, d, [
		['fd.pipe\tp.r\tp.w', ['fd.state\tp.r\tpipe\tfrom\tp.w', 'fd.state\tp.w\tpipe\tto\tp.r']],
		['fd.socket\tsock\tlisten\ts.sock', ['fd.state\tsock\tsocket\tunix,stream,bind,listen=32\ts.sock']],
		[`fd.open\tout\twrite,create\t${out}`, [`fd.state\tout\tfile\twrite,create\t${out}`]],
		[`service.args\tpf\t${fixture('print-fds.sh')}`, [`service.args\tpf\t${fixture('print-fds.sh')}`]],
		// `-` closes position 4; 1.1 warns about it like about any entry that is not a handle (§7.5).
		[
			'service.fds\tpf\tnull\tout\tnull\tp.r\t-\tsock',
			['warning: fd "-" is not yet defined', 'service.fds\tpf\tnull\tout\tnull\tp.r\t-\tsock'],
		],
	]);
	d.send('service.start\tpf');
	await d.stdout.waitFor(/^service\.state\tpf\tdown\t\d+\t\d+\texit\t0\t/);
	const printed = new Map(
		(await readFile(out, 'latin1'))
			.trim()
			.split('\n')
			.map(line => {
				const [fd = '', target = ''] = line.split(' ');
				return [Number(fd), target] as const;
			}),
	);
	t.deepEqual(
		[...printed.keys()].sort((a, b) => a - b),
		[0, 1, 2, 3, 5],
		'exactly the listed positions; `-` is closed',
	);
	t.is(printed.get(0), '/dev/null');
	t.is(printed.get(1), out);
	t.is(printed.get(2), '/dev/null');
	t.regex(printed.get(3) ?? '', /^pipe:\[\d+\]$/);
	t.regex(printed.get(5) ?? '', /^socket:\[\d+\]$/);
	// They are the daemon's own handles (the same pipe and socket inodes).
	const daemonTargets = new Set(
		listFds(d.pid).map(fd => {
			try {
				return readlinkSync(`/proc/${d.pid}/fd/${fd}`);
			} catch {
				return '';
			}
		}),
	);
	t.true(daemonTargets.has(printed.get(3) ?? ''), "fd 3 is the daemon's pipe");
	t.true(daemonTargets.has(printed.get(5) ?? ''), "fd 5 is the daemon's socket");
});

test('fd accounting: 1,000 fd.pipe/fd.delete cycles (and fd.socket, fd.open) return the daemon to its fd baseline', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	await d.command('fd.pipe\twarm.r\twarm.w');
	await d.command('fd.delete\twarm.r');
	await d.command('fd.delete\twarm.w');
	const baseline = listFds(d.pid).length;
	const CYCLES = 1000;
	let batch = '';
	for (let i = 0; i < CYCLES; i++) {
		batch += `fd.pipe\tr${i % 7}\tw${i % 7}\nfd.delete\tr${i % 7}\nfd.delete\tw${i % 7}\n`;
		// Every tenth cycle also replaces a live handle, and makes and deletes a socket and a file.
		if (i % 10 === 0) {
			batch += `fd.pipe\tkeep.r\tkeep.w\nfd.socket\tsk\tlisten\ts${i}.sock\nfd.delete\tsk\n`;
			batch += `fd.open\tf\twrite,create\tf.txt\nfd.open\tf\tread\tf.txt\nfd.delete\tf\n`;
		}
	}
	d.sendRaw(batch);
	const lines = await d.command('fd.delete\tkeep.r', 30_000);
	await d.command('fd.delete\tkeep.w');
	t.false(
		lines.some(line => line.startsWith('error')),
		lines.find(line => line.startsWith('error')) ?? '',
	);
	t.is(lines.filter(line => line.endsWith('\tdeleted')).length, CYCLES * 2 + (CYCLES / 10) * 2 + 1);
	// A descriptor closed is announced nowhere: /proc shows it.
	await pollUntil(
		() => (listFds(d.pid).length === baseline ? true : undefined),
		() => `daemon fds back to ${baseline} (now ${listFds(d.pid).length})`,
	);
	t.pass();
});
