// Self-test of the integration harness (helpers/): LineReader framing and deadlines, SocketClient
// against a plain Node line server, startDaemon/stop against test/fixtures/fake-daemon.js, the
// bin shims' missing-build path, and the fixtures' contracts. Never needs the real daemon.

import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import {
	daemonBin,
	dpctlBin,
	fixture,
	LineReader,
	LineReaderError,
	listFds,
	monotonicSeconds,
	pollUntil,
	processGone,
	SocketClient,
	startDaemon,
	tempDir,
	waitForPath,
	watchPath,
} from './helpers/daemon.js';

// A stand-in for a control socket: `echo\tTEXT` answers TEXT (nothing when TEXT is empty),
// `close` ends the connection, anything else answers `error\tUnknown command: LINE`.
async function startLineServer(t: ExecutionContext, path: string): Promise<void> {
	const address = path.startsWith('@') ? `\0${path.slice(1)}` : path;
	const sockets = new Set<Socket>();
	const server = createServer(socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => {});
		let partial = '';
		socket.on('data', (chunk: Buffer) => {
			const lines = (partial + chunk.toString('latin1')).split('\n');
			partial = lines.pop() ?? '';
			for (const line of lines) {
				if (line === 'close') {
					socket.end();
					return;
				}
				const reply = line === 'echo' || line.startsWith('echo\t') ? line.slice(5) : `error\tUnknown command: ${line}`;
				if (reply !== '') socket.write(Buffer.from(`${reply}\n`, 'latin1'));
			}
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(address, resolve);
	});
	t.teardown(
		() =>
			new Promise<void>(resolve => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	);
}

// A fixture run directly (not under a daemon), killed at teardown if still running.
function runFixture(
	t: ExecutionContext,
	name: string,
	args: string[] = [],
	options: { env?: Record<string, string>; input?: string } = {},
) {
	const proc = execa(fixture(name), args, {
		buffer: false,
		reject: false,
		encoding: 'buffer',
		...(options.env === undefined ? {} : { env: options.env }),
		...(options.input === undefined ? {} : { input: options.input }),
	});
	t.teardown(() => {
		proc.kill('SIGKILL');
	});
	return proc;
}

test('LineReader splits on LF only, across chunks, and keeps every byte (latin1)', async t => {
	const stream = new PassThrough();
	const reader = new LineReader(stream, 'test');
	stream.write('ab');
	stream.write('c\r\nde');
	stream.write(Buffer.from([0x66, 0x0a, 0x0a, 0xff, 0x80, 0x09, 0x00, 0x0a, 0x67]));
	t.is(await reader.next(), 'abc\r');
	t.is(await reader.next(), 'def');
	t.is(await reader.next(), '');
	t.is(await reader.next(), '\xff\x80\t\0');
	t.is(reader.partial, 'g');
	t.deepEqual(reader.seen, ['abc\r', 'def', '', '\xff\x80\t\0']);
});

test('LineReader: waitFor skips (keeps in seen), collectUntil includes the match', async t => {
	const stream = new PassThrough();
	const reader = new LineReader(stream);
	stream.write('one\ntwo\nthree\nfour\nfive\nsix\n');
	t.is(await reader.waitFor(/^th/), 'three');
	t.deepEqual(await reader.collectUntil('five'), ['four', 'five']);
	t.is(await reader.next(), 'six');
	t.deepEqual(reader.seen, ['one', 'two', 'three', 'four', 'five', 'six']);
	// A global RegExp keeps lastIndex between test() calls; the reader must not be fooled by it.
	const global = /x/g;
	stream.write('x\nx\n');
	t.is(await reader.waitFor(global), 'x');
	t.is(await reader.waitFor(global), 'x');
	const later = reader.waitFor(line => line.endsWith('!'));
	stream.write('a\nb!\n');
	t.is(await later, 'b!');
});

test('LineReader: a timeout names the stream, what it waited for and the last 20 lines', async t => {
	const stream = new PassThrough();
	const reader = new LineReader(stream, 'fake stdout');
	for (let i = 0; i < 25; i++) stream.write(`line ${i}\n`);
	stream.write('half');
	await reader.collectUntil('line 24');
	const error = await t.throwsAsync(reader.waitFor(/never/, 30), { instanceOf: LineReaderError });
	t.is(error?.code, 'ETIMEDOUT');
	t.regex(
		error?.message ?? '',
		/^LineReader\(fake stdout\): timed out after 30 ms waiting for a line matching \/never\//,
	);
	t.true(error?.message.includes('"line 5"'));
	t.true(error?.message.includes('"line 24"'));
	t.false(error?.message.includes('"line 4"'));
	t.true(error?.message.includes('unterminated tail: "half"'));
	// The reader is usable again after a timeout.
	stream.write('\n');
	t.is(await reader.next(), 'half');
});

test('LineReader: EOF rejects a pending read, and ended resolves', async t => {
	const stream = new PassThrough();
	const reader = new LineReader(stream, 'eof');
	const pending = reader.next();
	stream.end('tail');
	const error = await t.throwsAsync(pending, { instanceOf: LineReaderError });
	t.is(error?.code, 'EOF');
	t.regex(error?.message ?? '', /stream ended while waiting for the next line/);
	await reader.ended;
	t.true(reader.done);
	t.is(reader.partial, 'tail');
	// Lines that arrived before EOF are still readable.
	const stream2 = new PassThrough();
	const reader2 = new LineReader(stream2);
	stream2.end('a\nb\n');
	await reader2.ended;
	t.deepEqual([await reader2.next(), await reader2.next()], ['a', 'b']);
	await t.throwsAsync(reader2.next(), { instanceOf: LineReaderError, message: /stream ended/ });
});

test('LineReader: a stream error ends it and is named in the rejection', async t => {
	const stream = new PassThrough();
	const reader = new LineReader(stream);
	const pending = reader.next();
	stream.destroy(new Error('EPIPE-ish'));
	await t.throwsAsync(pending, { message: /stream ended \(EPIPE-ish\)/ });
});

test('LineReader: a second concurrent read is a programmer error', async t => {
	const stream = new PassThrough();
	const reader = new LineReader(stream);
	const first = reader.next();
	t.throws(() => reader.next(), { message: /a read is already pending/ });
	stream.write('x\n');
	t.is(await first, 'x');
});

test('SocketClient over a filesystem socket: send, sendRaw, command, latin1', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	await startLineServer(t, path);
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	client.send('echo\thello\tworld');
	t.is(await client.lines.next(), 'hello\tworld');
	client.sendRaw('echo\tpart');
	client.sendRaw(Buffer.from('ial\n'));
	t.is(await client.lines.next(), 'partial');
	client.send('echo\t\xe9\xff\x01');
	t.is(await client.lines.next(), '\xe9\xff\x01');
	t.deepEqual(await client.command('bogus'), ['error\tUnknown command: bogus']);
	t.deepEqual(await client.command('echo'), []);
	t.deepEqual(await client.command('echo\t\t'), ['\t']);
});

test('SocketClient connects to an abstract name given as @name', async t => {
	const name = `@dp-harness-${process.pid}-${Date.now()}`;
	await startLineServer(t, name);
	const client = await SocketClient.connect(name);
	t.teardown(() => client.close());
	t.deepEqual(await client.command('echo\tabstract'), ['abstract']);
});

test('SocketClient.connect waits for the listener, and gives up at its deadline', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'late.sock');
	const connecting = SocketClient.connect(path);
	await startLineServer(t, path);
	const client = await connecting;
	t.teardown(() => client.close());
	t.deepEqual(await client.command('echo\tlate'), ['late']);
	await t.throwsAsync(SocketClient.connect(join(dir, 'absent.sock'), 50), {
		message: /could not connect to ".*absent\.sock" \(ENOENT\) within 50 ms/,
	});
});

test('SocketClient: the peer closing ends lines; end() half-closes', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	await startLineServer(t, path);
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	client.send('echo\tbye');
	client.send('close');
	t.is(await client.lines.next(), 'bye');
	await t.throwsAsync(client.lines.next(), { instanceOf: LineReaderError, message: /stream ended/ });
	await client.lines.ended;

	const other = await SocketClient.connect(path);
	t.teardown(() => other.close());
	other.send('echo\tlast words');
	other.end();
	t.is(await other.lines.next(), 'last words');
	await other.lines.ended;
});

test('waitForPath resolves when the path appears and rejects at its deadline', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'flag');
	const waiting = waitForPath(path);
	await writeFile(path, '');
	await waiting;
	await t.throwsAsync(waitForPath(join(dir, 'never'), 30), { message: /did not appear within 30 ms/ });
});

test('watchPath re-checks on every change in the directory, by any process; an error rejects at once', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'grows');
	let checks = 0;
	const waiting = watchPath(
		path,
		async () => {
			checks++;
			const text = await readFile(path, 'latin1').catch(() => '');
			return text.split('\n').length > 3 ? text : undefined;
		},
		'three lines',
	);
	for (let i = 1; i <= 3; i++) await execa('/bin/sh', ['-c', `echo ${i} >> ${path}`]);
	t.is(await waiting, '1\n2\n3\n');
	t.true(checks >= 2, `${checks} checks`);
	await t.throwsAsync(
		watchPath(
			path,
			() => {
				throw new Error('unreadable');
			},
			'never',
		),
		{ message: 'unreadable' },
	);
	await t.throwsAsync(
		watchPath(path, () => undefined, 'nothing', 30),
		{ message: 'nothing within 30 ms' },
	);
});

test('LineReader.until and find wait beside a pending read, consume nothing, and end at EOF', async t => {
	const stream = new PassThrough();
	const reader = new LineReader(stream, 'shared');
	const read = reader.next();
	const second = reader.find(/^b/);
	const fromTwo = reader.find(/^a/, 2);
	const counted = reader.until(() => (reader.seen.length >= 3 ? reader.seen.length : undefined), 'three lines');
	stream.write('a1\nb1\na2\n');
	t.deepEqual(await Promise.all([read, second, fromTwo, counted]), ['a1', 'b1', 'a2', 3]);
	t.is(await reader.next(), 'b1', 'find consumed nothing');
	const error = await t.throwsAsync(reader.find('never', 0, 30), { instanceOf: LineReaderError });
	t.is(error?.code, 'ETIMEDOUT');
	const pending = reader.find('never');
	stream.end();
	t.is((await t.throwsAsync(pending, { instanceOf: LineReaderError }))?.code, 'EOF');
});

test('listFds, processGone and monotonicSeconds', t => {
	const fds = listFds(process.pid);
	t.true([0, 1, 2].every(fd => fds.includes(fd)));
	t.deepEqual(
		fds,
		[...fds].sort((a, b) => a - b),
	);
	t.false(processGone(process.pid));
	const now = monotonicSeconds();
	t.true(Number.isInteger(now) && now >= 0);
	t.true(monotonicSeconds() >= now);
});

test('startDaemon waits for the banner; stop() kills the daemon and what it started', async t => {
	const daemon = await startDaemon(t, [], { bin: fixture('fake-daemon.js') });
	t.is(daemon.stdout.seen.length, 6);
	t.true(daemon.stdout.seen.every(line => line.startsWith('info\t')));
	t.deepEqual(await daemon.command('echo\ta\tb'), ['a\tb']);
	t.deepEqual(await daemon.command('nonsense'), ['error\tUnknown command: nonsense']);
	const [spawned] = await daemon.command('spawn');
	const childPid = Number(/^spawned\t(\d+)$/.exec(spawned ?? '')?.[1]);
	t.true(childPid > 0);
	t.false(processGone(childPid));
	await daemon.stop();
	t.true(processGone(daemon.pid));
	await pollUntil(() => processGone(childPid) || undefined, `child ${childPid} still running`);
	t.is((await daemon.proc).signal, 'SIGKILL');
	await daemon.stop(); // idempotent
});

test('startDaemon reports a daemon that dies before its banner, with its stderr', async t => {
	await t.throwsAsync(startDaemon(t, [], { bin: fixture('fake-daemon.js'), env: { FAKE_DAEMON_FAIL: '3' } }), {
		message:
			/fake-daemon\.js -i: no banner \(exit status 3\): LineReader\(daemon \d+ stdout\): stream ended[\s\S]*stderr:\n {2}fake-daemon: fatal: asked to fail/,
	});
});

test('startDaemon without -i: no banner wait; closing stdin ends it', async t => {
	const daemon = await startDaemon(t, ['--some-option'], { bin: fixture('fake-daemon.js'), interactive: false });
	daemon.send('echo\tplain');
	t.is(await daemon.stdout.next(), 'plain');
	daemon.closeStdin();
	await daemon.stdout.ended;
	t.is((await daemon.proc).exitCode, 0);
	t.deepEqual(daemon.stdout.seen, ['plain']);
});

test('bin shims: a missing build gives one line on stderr and exit 111', async t => {
	const dir = await tempDir(t);
	await mkdir(join(dir, 'bin'));
	for (const [bin, name] of [
		[`${daemonBin}.cjs`, 'daemonproxy'],
		[dpctlBin, 'dpctl'],
	] as const) {
		const copy = join(dir, 'bin', basename(bin));
		await copyFile(bin, copy);
		const result = await execa(process.execPath, [copy], { reject: false, stdin: 'ignore' });
		t.is(result.exitCode, 111);
		t.is(result.stdout, '');
		t.regex(
			result.stderr,
			new RegExp(`^${name}: fatal: Cannot find module .*; run "npm ci" \\(or "npm run build"\\)$`),
		);
	}
});

test('fixtures: exit-with.sh, print-env.sh, flood.js', async t => {
	t.is((await runFixture(t, 'exit-with.sh', ['7'])).exitCode, 7);
	t.is((await runFixture(t, 'exit-with.sh')).exitCode, 0);

	const env = runFixture(t, 'print-env.sh', [], { env: { DPT_VALUE: 'a b\tc' } });
	const envLines = new LineReader(env.stdout);
	t.is(await envLines.waitFor(line => line.startsWith('DPT_VALUE=')), 'DPT_VALUE=a b\tc');
	t.is((await env).exitCode, 0);

	const flood = runFixture(t, 'flood.js', ['20000', '8']);
	const floodLines = new LineReader(flood.stdout);
	await floodLines.ended;
	t.is(floodLines.seen.length, 20000);
	t.is(floodLines.seen[0], '1.......');
	t.is(floodLines.seen[19999], '20000...');
	t.is((await flood).exitCode, 0);
});

test('fixtures: ignore-sigterm.sh survives TERM and says so', async t => {
	const proc = runFixture(t, 'ignore-sigterm.sh');
	const stderr = new LineReader(proc.stderr, 'ignore-sigterm stderr');
	t.is(await stderr.next(), `ignore-sigterm: ready ${proc.pid}`);
	proc.kill('SIGTERM');
	t.is(await stderr.next(), 'ignore-sigterm: got SIGTERM');
	proc.kill('SIGTERM');
	t.is(await stderr.next(), 'ignore-sigterm: got SIGTERM');
	t.is(proc.exitCode, null);
	proc.kill('SIGKILL');
	t.is((await proc).signal, 'SIGKILL');
});

test('fixtures: stamp.sh appends its pid and uptime, then stays up', async t => {
	const file = join(await tempDir(t), 'stamps');
	const proc = runFixture(t, 'stamp.sh', [file]);
	const line = await watchPath(
		file,
		async () => {
			const text = await readFile(file, 'latin1').catch(() => '');
			return text.endsWith('\n') ? text : undefined;
		},
		'no stamp',
	);
	t.regex(line, new RegExp(`^${proc.pid} \\d+\\.\\d+\\n$`));
	t.is(proc.exitCode, null);
});

test('fixtures: counter-writer.js continues from its state file; line-logger.js appends lines', async t => {
	const dir = await tempDir(t);
	const state = join(dir, 'state');
	await writeFile(state, '41\n');
	const first = runFixture(t, 'counter-writer.js', [state]);
	const lines = new LineReader(first.stdout);
	t.deepEqual([await lines.next(), await lines.next(), await lines.next()], ['seq\t41', 'seq\t42', 'seq\t43']);
	first.kill('SIGKILL');
	await first;
	const next = Number(await readFile(state, 'latin1'));
	t.true(next >= 43); // line 43 was written after 43 was recorded
	const second = runFixture(t, 'counter-writer.js', [state]);
	t.is(await new LineReader(second.stdout).next(), `seq\t${next}`);

	const log = join(dir, 'log');
	await writeFile(log, 'old\n');
	t.is((await runFixture(t, 'line-logger.js', [log], { input: 'a\n\xe9\nno newline' })).exitCode, 0);
	t.is(await readFile(log, 'utf8'), 'old\na\n\xe9\nno newline');
});
