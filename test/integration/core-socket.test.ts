// The control socket of -S (spec §4.3, §4.7, §13.4, design §2, daemonproxy(8) COMPATIBILITY):
// mode 0600, removed at exit, a live daemon's socket never taken over, a stale one replaced, a
// regular file never removed; and the routing of output between several controllers.

import { lstat, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import {
	daemonBin,
	DEFAULT_TIMEOUT_MS,
	dpctlBin,
	SocketClient,
	startDaemon,
	tempDir,
	waitForPath,
} from './helpers/daemon.js';

async function runToEnd(args: string[]): Promise<{ code: number | undefined; stderr: string }> {
	const result = await execa(daemonBin, args, {
		stdin: 'ignore',
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
		killSignal: 'SIGKILL',
	});
	return { code: result.exitCode, stderr: result.stderr };
}

test('-S creates a socket of mode 0600, and the daemon removes it when it exits', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	const d = await startDaemon(t, ['-S', path], { interactive: false });
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	const info = await lstat(path);
	t.true(info.isSocket());
	t.is(info.mode & 0o777, 0o600);
	t.deepEqual(await client.command('echo\tok'), ['ok']);
	client.send('terminate\t0');
	t.is((await d.proc).exitCode, 0);
	t.false(existsSync(path));
});

test('the socket is listed under its real path (ss -x), is never more open than asked, and dpctl connects at first sight', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl.sock');
	for (let i = 0; i < 5; i++) {
		const d = await startDaemon(t, ['-S', path, '--socket-mode', '0640'], { interactive: false });
		await waitForPath(path); // polls every few ms: the first sight of the path
		t.is((await lstat(path)).mode & 0o777 & ~0o640, 0, 'at first sight, no bit beyond the mode asked for');
		const whoami = await execa(dpctlBin, ['-S', path, 'whoami'], { reject: false, timeout: DEFAULT_TIMEOUT_MS });
		t.is(whoami.exitCode, 0, whoami.stderr);
		t.is((await lstat(path)).mode & 0o777, 0o640);
		const listed = (await readFile('/proc/net/unix', 'latin1')).split('\n').map(line => line.split(' ').at(-1));
		t.true(listed.includes(path), `${path} in /proc/net/unix (what ss -x reads)`);
		t.deepEqual(await readdir(dir), ['ctl.sock']);
		const client = await SocketClient.connect(path);
		client.send('terminate\t0');
		t.is((await d.proc).exitCode, 0);
		client.close();
	}
});

test('a second daemon on a live socket path refuses with exit 3 and leaves the socket alone', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	await startDaemon(t, ['-S', path], { interactive: false });
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	const second = await runToEnd(['-S', path]);
	t.is(second.code, 3);
	t.true(second.stderr.split('\n').includes("fatal: Can't create controller socket"));
	t.true((await lstat(path)).isSocket());
	t.deepEqual(await client.command('echo\tfirst still serves'), ['first still serves']);
	const again = await SocketClient.connect(path);
	t.teardown(() => again.close());
	t.deepEqual(await again.command('echo\tand accepts'), ['and accepts']);
});

test('a stale socket (its daemon was killed) is replaced', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	const first = await startDaemon(t, ['-S', path], { interactive: false });
	await waitForPath(path);
	await first.stop(); // SIGKILL: the socket file stays behind, and nothing listens on it
	t.true((await lstat(path)).isSocket());
	const second = await startDaemon(t, ['-S', path], { interactive: false });
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	t.deepEqual(await client.command('echo\tnew daemon'), ['new daemon']);
	await second.stderr.waitFor(/^info: Unlinked control socket .*ctl\.sock$/);
	t.pass();
});

test('a regular file at the socket path is never removed: exit 3', async t => {
	const path = join(await tempDir(t), 'not-a-socket');
	await writeFile(path, 'precious\n');
	const { code, stderr } = await runToEnd(['-S', path]);
	t.is(code, 3);
	t.true(stderr.split('\n').includes("fatal: Can't create controller socket"));
	t.is(await readFile(path, 'utf8'), 'precious\n');
});

test('routing: events to every controller, replies and errors to the issuer only (§4.3)', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	const d = await startDaemon(t, ['-S', path]);
	const a = await SocketClient.connect(path);
	const b = await SocketClient.connect(path);
	t.teardown(() => a.close());
	t.teardown(() => b.close());
	const quiet = async (): Promise<void> => {
		t.deepEqual(await a.command('# sync'), [], 'a');
		t.deepEqual(await b.command('# sync'), [], 'b');
		t.deepEqual(await d.command('# sync'), [], '-i');
	};
	t.deepEqual(await a.command('service.args\tweb\t/bin/true'), ['service.args\tweb\t/bin/true']);
	t.deepEqual(await b.command('# sync'), ['service.args\tweb\t/bin/true']);
	t.deepEqual(await d.command('# sync'), ['service.args\tweb\t/bin/true']);
	t.deepEqual(await a.command('echo\tfor a'), ['for a']);
	t.deepEqual(await a.command('service.start\tnosuch'), [
		'error\tNo such service, for command "service.start\tnosuch"',
	]);
	t.deepEqual(await a.command('bogus'), ['error\tUnknown command: bogus']);
	t.deepEqual(await a.command('service.fds\tweb\tnope'), [
		'warning: fd "nope" is not yet defined',
		'service.fds\tweb\tnope',
	]);
	t.deepEqual(await a.command('log.filter'), ['log.filter\tdebug']);
	t.true((await a.command('statedump')).length > 10);
	t.deepEqual(await b.command('# sync'), ['service.fds\tweb\tnope']);
	t.deepEqual(await d.command('# sync'), ['service.fds\tweb\tnope']);
	t.deepEqual(await d.command('service.start\tnosuch'), [
		'error\tNo such service, for command "service.start\tnosuch"',
	]);
	await quiet();
});

test('a client that half-closes still gets every reply to what it sent', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	await startDaemon(t, ['-S', path], { interactive: false });
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	client.sendRaw('service.tags\tx\tt\nstatedump\necho\tlast\nservice.start\tnosuch');
	client.end(); // the last line has no LF: discarded, with a log warning (§4.6)
	await client.lines.ended;
	t.is(client.lines.seen[0], 'service.tags\tx\tt');
	t.is(client.lines.seen.at(-1), 'last');
	t.true(client.lines.seen.includes('service.auto_up\tx\t-'));
});

test('-S with a relative path: resolved at startup, so removed at exit even after chdir', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, ['-S', 'ctl.sock'], { cwd: dir });
	t.true((await lstat(join(dir, 'ctl.sock'))).isSocket());
	t.deepEqual(await d.command('chdir\t/'), []);
	d.send('terminate\t0');
	t.is((await d.proc).exitCode, 0);
	t.false(existsSync(join(dir, 'ctl.sock')));
});

// Regression (fixed): after `chdir`, `socket.create` with a relative path fails with "Failed to create
// control socket" and leaves a socket file nobody listens on in the new directory. bind() uses the
// real working directory, but control-socket.ts resolves the path with Node's process.cwd(), which
// still returns the old directory: sys.chdir changes the cwd behind Node's back (Node caches cwd
// and only process.chdir refreshes it), so the chmod of the resolved path fails with ENOENT.
test('socket.create with a relative path after chdir listens in the new working directory', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	const sub = await mkdtemp(join(dir, 'sub-'));
	t.deepEqual(await d.command(`chdir\t${sub}`), []);
	t.deepEqual(await d.command('socket.create\t-\tctl.sock'), []);
	const client = await SocketClient.connect(join(sub, 'ctl.sock'));
	t.teardown(() => client.close());
	t.deepEqual(await client.command('echo\tin the new directory'), ['in the new directory']);
	t.is((await lstat(join(sub, 'ctl.sock'))).mode & 0o777, 0o600);
	t.false(existsSync(join(dir, 'ctl.sock')));
});

// Node decodes argv as UTF-8; a path must reach bind(2) as the bytes the user typed, as socat,
// C clients and Node's own net module (UTF-8 paths) expect, not one byte per character.
test('a non-ASCII socket path or abstract name is its UTF-8 bytes: socat, Node and dpctl reach it', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl-é€.sock');
	await startDaemon(t, ['-S', path]); // its banner comes after the socket listens
	t.deepEqual(await readdir(Buffer.from(dir), { encoding: 'buffer' }), [Buffer.from('ctl-é€.sock', 'utf8')]);
	const viaSocat = await execa('socat', ['-', `UNIX-CONNECT:${path}`], {
		input: 'echo\tsocat\n',
		timeout: DEFAULT_TIMEOUT_MS,
	});
	t.is(viaSocat.stdout, 'socat');
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	t.deepEqual(await client.command('echo\tnode'), ['node']);

	const name = `@dpt-é€-${process.pid}-${Date.now()}`;
	await startDaemon(t, ['-S', name]);
	const abstract = await execa('socat', ['-', `ABSTRACT-CONNECT:${name.slice(1)}`], {
		input: 'echo\tabstract\n',
		timeout: DEFAULT_TIMEOUT_MS,
	});
	t.is(abstract.stdout, 'abstract');
	const dpctl = await execa(process.execPath, [dpctlBin, '-S', name, 'echo', 'dpctl'], {
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
		stdin: 'ignore',
	});
	t.is(dpctl.exitCode, 0, dpctl.stderr);
	t.is(dpctl.stdout, 'dpctl');

	const { stderr } = await runToEnd(['-S', path, 'naïve']);
	t.true(stderr.includes('fatal: Unexpected argument "naïve"'), stderr);
});
