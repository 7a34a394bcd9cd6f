// Captured service output (issue 15; daemonproxy(8), SERVICE OUTPUT) against the real daemon and
// dpctl: the `output` handle, `dpctl logs` (-n, -f across a restart of the service and of the
// daemon), the last lines in `dpctl status`, forwarding that never blocks, and 1.1 connections
// that see none of it. Waits are on lines, with deadlines; the one latency figure is logged.

import { readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { dpctlBin, fixture, LineReader, SocketClient, startDaemon } from './helpers/daemon.js';
import { dpctl, startSocketDaemon } from './dpctl-helpers.js';

const TIME_RE = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}';

/** `dpctl ARGS…` left running, its stdout and stderr as lines; killed at teardown. */
function background(t: ExecutionContext, socket: string, args: string[]) {
	const proc = execa(process.execPath, [dpctlBin, '-S', socket, ...args], {
		reject: false,
		buffer: false,
		encoding: 'latin1',
		env: { NO_COLOR: '' },
		stdin: 'ignore',
	});
	t.teardown(() => proc.kill('SIGKILL'));
	return { proc, lines: new LineReader(proc.stdout, `dpctl ${args.join(' ')}`), errors: new LineReader(proc.stderr) };
}

async function mkfifo(dir: string): Promise<string> {
	const path = join(dir, 'in.fifo');
	await execa('mkfifo', [path]);
	return path;
}

/** Writes one line into the FIFO (opening it waits for the service's cat to open it too). */
async function writeFifo(path: string, text: string): Promise<void> {
	const handle = await open(path, 'w');
	await handle.write(`${text}\n`);
	await handle.close();
}

/** A connection that follows `name` and sees its lines. */
async function follower(t: ExecutionContext, socket: string, name: string): Promise<SocketClient> {
	const client = await SocketClient.connect(socket);
	t.teardown(() => client.close());
	client.send(`output.follow\t${name}`);
	await client.lines.waitFor(new RegExp(`^output\\.live\\t${name}\\t`));
	return client;
}

test('dpctl logs -n 5 prints the last five lines with time and stream; --json has the fields', async t => {
	const { socket } = await startSocketDaemon(t);
	const script = 'for i in 1 2 3 4 5 6; do echo "out $i"; done; echo "err 7" >&2; echo "out 8"; exec sleep infinity';
	t.is((await dpctl(socket, ['service.args', 'web', '/bin/sh', '-c', script])).exitCode, 0);
	t.is((await dpctl(socket, ['service.fds', 'web', 'null', 'output', 'output'])).exitCode, 0);
	const client = await follower(t, socket, 'web');
	t.is((await dpctl(socket, ['start', 'web'])).exitCode, 0);
	await client.lines.waitFor(/^output\tweb\t8\t/);

	const result = await dpctl(socket, ['logs', 'web', '-n', '5']);
	t.is(result.exitCode, 0, result.stderr);
	t.is(result.lines.length, 5);
	// Lines of one stream keep their order; between the two pipes the order is the daemon's reading,
	// which the follower saw too.
	const captured = client.lines.seen.filter(line => line.startsWith('output\t')).map(line => line.split('\t'));
	const expected = captured.slice(-5).map(f => `${f[4]} ${f[5]}`);
	result.lines.forEach((line, i) => t.regex(line, new RegExp(`^${TIME_RE} ${expected[i]}$`)));
	t.deepEqual(
		expected.filter(text => text.startsWith('stdout')),
		['stdout out 4', 'stdout out 5', 'stdout out 6', 'stdout out 8'].filter(text => expected.includes(text)),
	);
	t.true(expected.includes('stdout out 8'));

	const json = await dpctl(socket, ['logs', 'web', '-n', '1', '--json']);
	const parsed = JSON.parse(json.lines[0] ?? '{}') as Record<string, unknown>;
	const last = captured.at(-1) ?? [];
	t.like(parsed, { service: 'web', seq: 8, stream: last[4], text: last[5] });
	t.true(Math.abs(Date.parse(String(parsed['time'])) - Date.now()) < 600_000);

	const missing = await dpctl(socket, ['logs', 'nope']);
	t.is(missing.exitCode, 1);
	t.regex(missing.stderr, /No such service/);
});

test('dpctl logs -f follows new lines across a restart of the service and of the daemon', async t => {
	const { socket, dir, daemon } = await startSocketDaemon(t);
	const fifo = await mkfifo(dir);
	const define = async (): Promise<void> => {
		for (const args of [
			['service.args', 'web', fixture('fifo-echo.js'), fifo],
			['service.fds', 'web', 'null', 'output', 'output'],
			['service.auto_up', 'web', '1', 'always'],
		])
			t.is((await dpctl(socket, args)).exitCode, 0, args.join(' '));
	};
	await define();
	const { lines, errors } = background(t, socket, ['logs', '-f', 'web']);
	await lines.waitFor(/ stdout started \d+$/);

	const sent = performance.now();
	await writeFifo(fifo, 'first');
	const first = await lines.waitFor(/ stdout first$/);
	const arrived = Date.now();
	// The line's time is when the daemon read it: from there to here is what -f adds.
	t.log(
		`-f latency: ${arrived - capturedAt(first)} ms from capture to dpctl's line, ` +
			`${(performance.now() - sent).toFixed(0)} ms from the FIFO write (service included)`,
	);

	// A restart of the service: the pipe is the daemon's, the follow goes on.
	t.is((await dpctl(socket, ['signal', 'KILL', 'web'])).exitCode, 0);
	await lines.waitFor(/ stdout started \d+$/);
	await writeFifo(fifo, 'second');
	await lines.waitFor(/ stdout second$/);

	// A new daemon on the same socket: dpctl reconnects and follows the new run.
	await daemon.stop();
	await startDaemon(t, ['-S', socket], { interactive: false });
	// The old daemon's socket file is still there: wait until the new one answers on it.
	const probe = await SocketClient.connect(socket);
	await probe.command('echo');
	probe.close();
	await define();
	await errors.waitFor(/the daemon was restarted/);
	await writeFifo(fifo, 'third');
	await lines.waitFor(/ stdout third$/);
	const texts = lines.seen.map(line => line.replace(new RegExp(`^${TIME_RE} stdout `), ''));
	t.deepEqual(
		texts.filter(text => !text.startsWith('started')),
		['first', 'second', 'third'],
		'each line once, in order',
	);
});

test('the last lines before a crash are kept with the down record and shown by dpctl status', async t => {
	const { socket } = await startSocketDaemon(t);
	const script = 'echo "about to fail"; echo "fatal: no config" >&2; printf "no newline"; exit 3';
	t.is((await dpctl(socket, ['service.args', 'web', '/bin/sh', '-c', script])).exitCode, 0);
	t.is((await dpctl(socket, ['service.fds', 'web', 'null', 'output', 'output'])).exitCode, 0);
	const client = await SocketClient.connect(socket);
	t.teardown(() => client.close());
	t.is((await dpctl(socket, ['start', 'web'])).exitCode, 0);
	await client.lines.waitFor(/^service\.state\tweb\tdown\t.*\texit\t3\t/);

	const status = await dpctl(socket, ['status', 'web', '--json']);
	t.is(status.exitCode, 0, status.stderr);
	const [web] = JSON.parse(status.stdout) as Array<{ lastOutput: Array<{ stream: string; text: string }> }>;
	t.deepEqual(
		web?.lastOutput.map(line => `${line.stream} ${line.text}`),
		['stdout about to fail', 'stderr fatal: no config', 'stdout no newline'],
	);
});

test('a service printing 100 MB while its forward target is stopped is never blocked; the daemon stays small', async t => {
	const { socket, daemon } = await startSocketDaemon(t, ['--output-lines', '1000']);
	for (const args of [
		['fd.pipe', 'fw.r', 'fw.w'],
		['service.args', 'flood', fixture('flood.js'), '1000000', '99'],
		['service.fds', 'flood', 'null', 'output', 'output'],
		['service.output_forward', 'flood', 'fw.w'],
	])
		t.is((await dpctl(socket, args)).exitCode, 0, args.join(' '));
	const baseline = peakRssKiB(daemon.pid);
	const started = performance.now();
	t.is((await dpctl(socket, ['start', 'flood'])).exitCode, 0);
	const client = await SocketClient.connect(socket);
	t.teardown(() => client.close());
	await client.lines.waitFor(/^service\.state\tflood\tdown\t.*\texit\t0\t/, 300_000);
	const seconds = (performance.now() - started) / 1000;
	const grownMiB = (peakRssKiB(daemon.pid) - baseline) / 1024;
	t.log(
		`100 MB captured in ${seconds.toFixed(1)} s (${(100 / seconds).toFixed(0)} MB/s); peak RSS grew ${grownMiB.toFixed(1)} MiB`,
	);
	// Rings: 1000 lines of at most 2 KiB, escaped at most 4×: 8 MiB; plus 32 MiB.
	t.true(grownMiB <= 8 + 32, `peak RSS grew ${grownMiB.toFixed(1)} MiB`);
	const tail = await dpctl(socket, ['logs', 'flood', '-n', '1']);
	t.regex(tail.stdout, / stdout 1000000\.+$/);
});

test('a 1.1 connection sees no output lines; forwarding writes NAME | LINE to a handle', async t => {
	const { socket, dir } = await startSocketDaemon(t);
	const old = await SocketClient.connect(socket);
	t.teardown(() => old.close());
	const file = join(dir, 'forwarded.log');
	for (const args of [
		['fd.open', 'log.w', 'write,create,trunc', file],
		['service.args', 'web', '/bin/sh', '-c', 'echo hello; echo oops >&2'],
		['service.fds', 'web', 'null', 'output', 'output'],
		['service.output_forward', 'web', 'log.w:prefix'],
		['start', 'web'],
	])
		t.is((await dpctl(socket, args)).exitCode, 0, args.join(' '));
	await old.lines.waitFor(/^service\.state\tweb\tdown\t/);
	await old.command('echo\tmarker');
	t.false(
		old.lines.seen.some(line => line.startsWith('output')),
		old.lines.seen.join('\n'),
	);
	t.deepEqual((await readFile(file, 'latin1')).split('\n').sort(), ['', 'web | hello', 'web | oops']);
});

test('bad output commands change nothing and say why', async t => {
	const { socket } = await startSocketDaemon(t);
	t.is((await dpctl(socket, ['service.args', 'web', '/bin/true'])).exitCode, 0);
	for (const [args, message] of [
		[['service.output_ring', 'web', '0'], /invalid ring size/],
		[['service.output_forward', 'web', 'a:b'], /invalid forward target "a:b"/],
		[['output.tail', 'web', 'x'], /invalid count/],
		[['output.follow', 'nope'], /No such service/],
	] as const) {
		const result = await dpctl(socket, args);
		t.is(result.exitCode, 1, args.join(' '));
		t.regex(result.stderr, message);
	}
	t.is((await dpctl(socket, ['service.output_ring', 'web', '2'])).exitCode, 0);
});

/** The capture time dpctl printed at the start of a line (local time), in ms since the epoch. */
function capturedAt(line: string): number {
	const [y, mo, d, h, mi, sec, ms] = (/^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)\.(\d+)/.exec(line) ?? [])
		.slice(1)
		.map(Number);
	return new Date(y ?? 0, (mo ?? 1) - 1, d, h, mi, sec, ms).getTime();
}

/** VmHWM of a process, in KiB. */
function peakRssKiB(pid: number): number {
	return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 'NaN');
}

test('dpctl logs with several names merges their lines by time, each with its name; --since filters', async t => {
	const { socket } = await startSocketDaemon(t);
	const client = await SocketClient.connect(socket);
	t.teardown(() => client.close());
	for (const name of ['web', 'db']) {
		for (const args of [
			['service.args', name, '/bin/sh', '-c', `echo "${name} one"; echo "${name} two"`],
			['service.fds', name, 'null', 'output', 'output'],
			['start', name],
		])
			t.is((await dpctl(socket, args)).exitCode, 0, args.join(' '));
		await client.lines.waitFor(new RegExp(`^service\\.state\\t${name}\\tdown\\t`));
	}
	const result = await dpctl(socket, ['logs', 'web', 'db', '-n', '3']);
	t.is(result.exitCode, 0, result.stderr);
	t.deepEqual(
		result.lines.map(line => line.slice(24)),
		['web stdout web two', 'db stdout db one', 'db stdout db two'],
	);
	const since = await dpctl(socket, ['logs', 'web', 'db', '--since', '1h']);
	t.is(since.lines.length, 4);
	const bad = await dpctl(socket, ['logs', 'web', '--since', 'yesterday']);
	t.is(bad.exitCode, 100);
	t.regex(bad.stderr, /--since expects a duration/);
});
