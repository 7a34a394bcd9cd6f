// Commands that name a path never freeze the daemon (daemonproxy(8), COMMANDS, fd.open): the
// `mkdir` flag on a file system that answers ENOENT for every new directory (/proc; Node's
// recursive mkdirSync spun there for ever), a FIFO without its other end, and mkdir -p's own
// successes and clean failures. Each test proves the loop kept running by an echo answered on the
// same or on another connection.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { SocketClient, startDaemon, tempDir } from './helpers/daemon.js';

const O_NONBLOCK = 0o4000;
const PROMPT_MS = 5_000;

/** The 1.1 error line: the command quoted whole up to 30 bytes, else its first 30 and `...`. */
const err = (message: string, line: string): string =>
	`error\t${message}, for command "${line.length <= 30 ? line : `${line.slice(0, 30)}...`}"`;

test('mkdir under /proc: fd.open and fd.socket answer an error line at once and the daemon keeps answering', async t => {
	const d = await startDaemon(t, []);
	const open = 'fd.open\tx\twrite,create,mkdir\t/proc/nonexistent/d/f';
	t.deepEqual(await d.command(open, PROMPT_MS), [err('open failed: No such file or directory', open)]);
	const socket = 'fd.socket\ty\tmkdir\t/proc/nonexistent/d/s';
	t.deepEqual(await d.command(socket, PROMPT_MS), [err('bind: No such file or directory', socket)]);
	t.is((await d.command('echo\tstill here', PROMPT_MS)).at(-1), 'still here');
	t.false(
		(await d.command('statedump')).some(line => /^fd\.state\t[xy]\t/.test(line)),
		'no handle was stored',
	);
});

test('mkdir -p: creates every missing parent (mode 0700); a file in the way fails cleanly', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	const lines = await d.command('fd.open\tf\twrite,create,mkdir\ta/b//c/f');
	t.deepEqual(lines, ['fd.state\tf\tfile\twrite,create,mkdir\ta/b//c/f']);
	t.true(existsSync(join(dir, 'a/b/c/f')));
	t.is(statSync(join(dir, 'a/b')).mode & 0o777, 0o700);
	writeFileSync(join(dir, 'plain'), '');
	const blocked = 'fd.open\tg\twrite,create,mkdir\tplain/sub/f';
	t.deepEqual(await d.command(blocked), [err('open failed: Not a directory', blocked)]);
	const socket = 'fd.socket\ts\tmkdir\tsock/dir/s';
	t.deepEqual(await d.command(socket), [`fd.state\ts\tsocket\tunix,stream,bind,mkdir\tsock/dir/s`]);
	t.true(statSync(join(dir, 'sock/dir/s')).isSocket());
});

test('a FIFO without a writer: fd.open for reading does not block the daemon, and the handle is blocking', async t => {
	const dir = await tempDir(t);
	const fifo = join(dir, 'fifo');
	execFileSync('mkfifo', [fifo]);
	const sock = join(dir, 'ctl.sock');
	const d = await startDaemon(t, ['-S', sock], { cwd: dir });
	const client = await SocketClient.connect(sock);
	t.teardown(() => client.close());
	// Sent on the socket; the interactive controller must be answered meanwhile.
	client.send(`fd.open\tf\tread\t${fifo}`);
	t.is((await d.command('echo\tnot blocked', PROMPT_MS)).at(-1), 'not blocked');
	t.true((await client.command('echo', PROMPT_MS)).includes(`fd.state\tf\tfile\tread\t${fifo}`));
	// The child sees the flags fd.open asked for: no O_NONBLOCK without `nonblock`.
	await d.command('fd.open\tout\twrite,create\tflags.txt');
	await d.command('service.args\tp\t/bin/sh\t-c\tgrep ^flags: /proc/self/fdinfo/0');
	await d.command('service.fds\tp\tf\tout\tnull');
	d.send('service.start\tp');
	await d.stdout.waitFor(/^service\.state\tp\tdown\t\d+\t\d+\texit\t0\t/);
	const flags = Number.parseInt(
		/flags:\s+([0-7]+)/.exec(readFileSync(join(dir, 'flags.txt'), 'latin1'))?.[1] ?? 'x',
		8,
	);
	t.false(Number.isNaN(flags));
	t.is(flags & O_NONBLOCK, 0);
});

test('a FIFO without a reader: fd.open for writing is refused at once (ENXIO), not waited for', async t => {
	const dir = await tempDir(t);
	execFileSync('mkfifo', [join(dir, 'fifo')]);
	const d = await startDaemon(t, [], { cwd: dir });
	const open = 'fd.open\tw\twrite\tfifo';
	t.deepEqual(await d.command(open, PROMPT_MS), [err('open failed: No such device or address', open)]);
	t.is((await d.command('echo\tok', PROMPT_MS)).at(-1), 'ok');
});
