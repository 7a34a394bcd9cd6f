// dpctl watch and wait against the real daemon: raw event lines when piped, JSON lines, pattern
// filtering (design §3), and wait's exit on a matching event, on the current state, or at the
// deadline.

import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { dpctlBin, fixture, LineReader, pollUntil, SocketClient } from './helpers/daemon.js';
import { dpctl, dpctlFor, startSocketDaemon, timeoutBeyond } from './dpctl-helpers.js';

/** `dpctl ARGS…` left running, its stdout as lines; killed at teardown. */
function background(t: ExecutionContext, socket: string, args: string[], env: Record<string, string> = {}) {
	const proc = execa(process.execPath, [dpctlBin, '-S', socket, ...args], {
		reject: false,
		buffer: false,
		encoding: 'latin1',
		env: { NO_COLOR: '', ...env },
		stdin: 'ignore',
	});
	t.teardown(() => proc.kill('SIGKILL'));
	return { proc, lines: new LineReader(proc.stdout, `dpctl ${args.join(' ')}`) };
}

/**
 * Sends `probe` (a command whose event the watcher prints) until `expected` shows in `lines`, and
 * returns what the probing connection received. dpctl says nothing when it has subscribed: an
 * event printed is the only sign, and one sent before that is lost, so this is one of the few
 * waits that poll. The probes go over one connection of our own (a dpctl each would cost a Node
 * start).
 */
async function probeUntil(
	t: ExecutionContext,
	socket: string,
	lines: LineReader,
	probe: string,
	expected: (seen: string[]) => boolean,
): Promise<void> {
	const client = await SocketClient.connect(socket);
	t.teardown(() => client.close());
	await pollUntil(
		async () => {
			await client.command(probe);
			return expected(lines.seen) ? true : undefined;
		},
		`${lines.name} printing what ${JSON.stringify(probe)} causes`,
	);
	client.close();
}

/** Waits until the watcher shows it is subscribed: a probe event it must print arrives. */
async function ready(
	t: ExecutionContext,
	socket: string,
	lines: LineReader,
	probe: string,
	expected: string,
): Promise<void> {
	await probeUntil(t, socket, lines, probe, seen => seen.includes(expected));
}

for (const mode of ['auto', 'echo'] as const) {
	test(`${mode}: watch prints matching events as raw lines, in order`, async t => {
		const { socket } = await startSocketDaemon(t);
		const run = dpctlFor(socket, mode);
		const { lines } = background(t, socket, ['watch', 'service.*:web', 'fd.state:p.*'], { DPCTL_PROTOCOL: mode });
		await ready(t, socket, lines, 'service.tags\tweb\tprobe', 'service.tags\tweb\tprobe');
		for (const args of [
			['service.args', 'other', '/bin/true'],
			['fd.pipe', 'p.r', 'p.w'],
			['service.args', 'web', fixture('sleep-forever.sh')],
			['start', 'web'],
		]) {
			const result = await run(args);
			t.is(result.exitCode, 0, `${args.join(' ')}: ${result.stderr}`);
		}
		await lines.waitFor(/^service\.state\tweb\tup\t/);
		const seen = lines.seen.filter(l => !l.endsWith('probe'));
		t.deepEqual(seen.slice(0, 3), [
			'fd.state\tp.r\tpipe\tfrom\tp.w',
			'fd.state\tp.w\tpipe\tto\tp.r',
			`service.args\tweb\t${fixture('sleep-forever.sh')}`,
		]);
		t.regex(seen[3] ?? '', /^service\.state\tweb\tstart\t/);
		t.false(lines.seen.some(l => l.includes('other')));
		await run(['stop', 'web']);
	});
}

test('watch --json: one object per event, with sequence numbers from a daemon that has them', async t => {
	const { socket } = await startSocketDaemon(t);
	const { lines } = background(t, socket, ['--json', 'watch', 'service.tags']);
	await probeUntil(t, socket, lines, 'service.tags\tweb\ta\t', seen => seen.length > 0);
	const event = JSON.parse(lines.seen[0] ?? '{}') as {
		topic: string;
		subject: string;
		seq: number | null;
		fields: string[];
	};
	t.like(event, { topic: 'service.tags', subject: 'web', fields: ['service.tags', 'web', 'a', ''] });
	t.true(event.seq === null || event.seq > 0);
});

test('watch --timeout ends normally (0)', async t => {
	const { socket } = await startSocketDaemon(t);
	const result = await dpctl(socket, ['--timeout', await timeoutBeyond(socket, 0.3), 'watch']);
	t.is(result.exitCode, 0, result.stderr);
});

test('wait: the current state matches at once; --no-current waits for the next event; fields are globs', async t => {
	const { socket } = await startSocketDaemon(t);
	const run = dpctlFor(socket);
	await run(['service.args', 'web', fixture('sleep-forever.sh')]);
	await run(['start', 'web']);
	const now = await run(['--timeout', '10', 'wait', 'service.state:web', 'up']);
	t.is(now.exitCode, 0, now.stderr);
	t.regex(now.lines[0] ?? '', /^service\.state\tweb\tup\t\d+\t\d+\t/);
	t.is((await run(['--timeout', '0.3', 'wait', 'service.state:web', 'down'])).exitCode, 99);
	t.is((await run(['--timeout', '0.3', 'wait', '--no-current', 'service.state:web', 'up'])).exitCode, 99);

	// A new event: the tags are set again and again until the waiter, once subscribed, sees one.
	const { proc, lines } = background(t, socket, ['--timeout', '30', 'wait', '--no-current', 'service.tags:w*', 'g*']);
	await probeUntil(t, socket, lines, 'service.tags\tweb\tgo', seen => seen.length > 0);
	t.is((await proc).exitCode, 0);
	t.deepEqual(lines.seen, ['service.tags\tweb\tgo']);
	// Field globs on the fields after the name: STATE TS PID REASON VALUE.
	await run(['signal', 'USR2', 'web']);
	const down = await run(['--timeout', '10', 'wait', 'service.state:w*', 'down', '*', '*', 'signal', 'SIGUSR*']);
	t.is(down.exitCode, 0, down.stderr);
	t.regex(down.lines[0] ?? '', /^service\.state\tweb\tdown\t\d+\t\d+\tsignal\tSIGUSR2\t/);
	const json = await run(['--json', 'wait', 'service.state:web']);
	t.like(JSON.parse(json.stdout), { topic: 'service.state', subject: 'web' });
});
