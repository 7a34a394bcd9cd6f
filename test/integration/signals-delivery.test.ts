// Caught signals (spec §11, §7.22, §9.6): counting and per-controller delivery, replay to new
// controllers, signal.clear, the signal part of statedump, the signals that never end the daemon,
// and services triggered by a signal (level-triggered while the count is non-zero).
// Signals are sent to the daemon's pid (the sh entry point execs node, so it is the same process).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
	EventScan,
	fixture,
	monotonicSeconds,
	processGone,
	SocketClient,
	startDaemon,
	tempDir,
	type Daemon,
} from './helpers/daemon.js';

function err(message: string, line: string): string {
	const context = line.length <= 30 ? line : `${line.slice(0, 30)}...`;
	return `error\t${message}, for command "${context}"`;
}

/** Sends `signal` to the daemon and returns the `signal` line the interactive controller gets. */
async function raise(d: Daemon, signal: NodeJS.Signals): Promise<string> {
	process.kill(d.pid, signal);
	return d.stdout.waitFor(new RegExp(`^signal\\t${signal}\\t`));
}

function parseSignalLine(line: string): { name: string; ts: number; count: number } {
	const match = /^signal\t(SIG[A-Z0-9]+)\t(\d+)\t(\d+)$/.exec(line);
	if (!match) throw new Error(`not a signal line: ${JSON.stringify(line)}`);
	return { name: match[1] ?? '', ts: Number(match[2]), count: Number(match[3]) };
}

const signalsOf = (dump: readonly string[]): string[] =>
	dump
		.filter(line => line.startsWith('signal\t'))
		.map(line => {
			const { name, count } = parseSignalLine(line);
			return `${name}=${count}`;
		});

async function setup(t: ExecutionContext): Promise<{ d: Daemon; path: string }> {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl.sock');
	return { d: await startDaemon(t, ['-S', path]), path };
}

test('USR1 twice then HUP: one line per arrival with the count; a new connection gets the pending ones replayed', async t => {
	const { d, path } = await setup(t);
	const watcher = await SocketClient.connect(path);
	t.teardown(() => watcher.close());
	t.deepEqual(await watcher.command('echo\tready'), ['ready'], 'nothing pending yet');
	const before = monotonicSeconds();
	const first = parseSignalLine(await raise(d, 'SIGUSR1'));
	const second = parseSignalLine(await raise(d, 'SIGUSR1'));
	const hup = parseSignalLine(await raise(d, 'SIGHUP'));
	const after = monotonicSeconds();
	t.deepEqual(
		[first.name, first.count, second.name, second.count, hup.name, hup.count],
		['SIGUSR1', 1, 'SIGUSR1', 2, 'SIGHUP', 1],
	);
	for (const { ts } of [first, second, hup])
		t.true(ts >= before && ts <= after, `TS ${ts} is CLOCK_MONOTONIC seconds (${before}..${after})`);
	t.deepEqual(
		await watcher.command('echo\tsync'),
		[`signal\tSIGUSR1\t${first.ts}\t1`, `signal\tSIGUSR1\t${second.ts}\t2`, `signal\tSIGHUP\t${hup.ts}\t1`, 'sync'],
		'every controller gets the same lines',
	);
	// A new connection immediately gets every pending signal, oldest first, with its count.
	const late = await SocketClient.connect(path);
	t.teardown(() => late.close());
	t.deepEqual(await late.command('echo\tlate'), [
		`signal\tSIGUSR1\t${second.ts}\t2`,
		`signal\tSIGHUP\t${hup.ts}\t1`,
		'late',
	]);
	t.deepEqual(await late.command('echo\tagain'), ['again'], 'and only once');
	t.deepEqual(await d.command('echo\tnothing more'), ['nothing more']);
});

test('signal.clear subtracts silently; statedump lists pending signals oldest first; a cleared signal is reported again from 1', async t => {
	const { d, path } = await setup(t);
	await raise(d, 'SIGUSR1');
	await raise(d, 'SIGUSR1');
	await raise(d, 'SIGHUP');
	t.deepEqual(await d.command('signal.clear\tSIGUSR1\t1'), [], 'no output, no event');
	t.deepEqual(signalsOf(await d.command('statedump')), ['SIGUSR1=1', 'SIGHUP=1']);
	await raise(d, 'SIGUSR2');
	t.deepEqual(signalsOf(await d.command('statedump')), ['SIGUSR1=1', 'SIGHUP=1', 'SIGUSR2=1']);
	t.is(parseSignalLine(await raise(d, 'SIGUSR1')).count, 2);
	t.deepEqual(
		signalsOf(await d.command('statedump')),
		['SIGHUP=1', 'SIGUSR2=1', 'SIGUSR1=2'],
		'ordered by latest arrival',
	);
	// Clamped at zero; numbers and names without SIG work; zero is omitted from the dump.
	t.deepEqual(await d.command('signal.clear\tHUP\t5'), []);
	t.deepEqual(await d.command('signal.clear\t12\t1'), []);
	t.deepEqual(await d.command('signal.clear\tSIGUSR1\t0'), []);
	t.deepEqual(await d.command('signal.clear\tSIGQUIT\t1'), [], 'never received: a no-op');
	t.deepEqual(signalsOf(await d.command('statedump')), ['SIGUSR1=2']);
	const again = parseSignalLine(await raise(d, 'SIGHUP'));
	t.is(again.count, 1, 'a cleared signal counts from 1 again');
	// A controller that connects now is told only about what is pending.
	const late = await SocketClient.connect(path);
	t.teardown(() => late.close());
	const replay = (await late.command('echo\tlate')).slice(0, -1);
	t.deepEqual(
		replay.map(line => parseSignalLine(line)).map(({ name, count }) => `${name}=${count}`),
		['SIGUSR1=2', 'SIGHUP=1'],
	);
	for (const [line, message] of [
		['signal.clear', 'Expected signal argument'],
		['signal.clear\t\t1', 'Expected signal argument'],
		['signal.clear\t99999\t1', 'Invalid signal number'],
		['signal.clear\t1x\t1', 'Invalid signal number'],
		['signal.clear\tBOGUS\t1', 'Invalid signal argument'],
		['signal.clear\tUSR1', 'Expected integer'],
		['signal.clear\tUSR1\tx', 'Expected integer'],
		['signal.clear\tUSR1\t-1', 'invalid count (must be 0 or more)'],
	] as const) {
		t.deepEqual(await d.command(line), [err(message, line)], line);
	}
	t.deepEqual(signalsOf(await d.command('statedump')), ['SIGUSR1=2', 'SIGHUP=1'], 'failed clears changed nothing');
});

test('SIGTERM, SIGINT, SIGHUP, SIGQUIT and SIGUSR2 never end the daemon, one at a time or all at once', async t => {
	const { d } = await setup(t);
	for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'] as const) {
		t.is(parseSignalLine(await raise(d, signal)).count, 1, signal);
		t.deepEqual(await d.command(`echo\tafter ${signal}`), [`after ${signal}`]);
	}
	// All at once (each once: a second identical signal sent before the first is handled merges
	// with it in the kernel, so it could not be counted). Each arrival is an event; their order is
	// the kernel's.
	const signals = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'] as const;
	for (const signal of signals) process.kill(d.pid, signal);
	const uncounted = new Set<string>(signals);
	await d.stdout.collectUntil(line => {
		uncounted.delete(/^signal\t(SIG[A-Z0-9]+)\t\d+\t2$/.exec(line)?.[1] ?? '');
		return uncounted.size === 0;
	});
	t.deepEqual(signalsOf(await d.command('statedump')).sort(), [
		'SIGHUP=2',
		'SIGINT=2',
		'SIGQUIT=2',
		'SIGTERM=2',
		'SIGUSR2=2',
	]);
	t.deepEqual(await d.command('echo\talive'), ['alive']);
	t.false(processGone(d.pid));
});

test('a service with auto_up SIGUSR1 is started by the signal, restarted while the count is non-zero, and stops after signal.clear (§9.6)', async t => {
	const { d } = await setup(t);
	const h = new EventScan(d.stdout, true);
	t.deepEqual(await d.command(`service.args\th\t${fixture('exit-with.sh')}\t0`), [
		`service.args\th\t${fixture('exit-with.sh')}\t0`,
	]);
	t.deepEqual(
		await d.command('service.auto_up\th\t1\tSIGUSR1'),
		['service.auto_up\th\t1\tSIGUSR1'],
		'no signal pending: not started',
	);
	process.kill(d.pid, 'SIGUSR1');
	// Started before the controllers hear of the signal.
	const start = await h.next(/^(service\.state\th\tstart\t|signal\t)/);
	t.regex(start, /^service\.state\th\tstart\t\d+\t-/);
	await h.next(/^signal\tSIGUSR1\t\d+\t1$/);
	await h.next(/^service\.state\th\tup\t/);
	const down = await h.next(/^service\.state\th\tdown\t\d+\t\d+\texit\t0\t/);
	// Level-triggered: it exited, the count is still 1, so it is started again (after its interval).
	const restart = await h.next(/^service\.state\th\tstart\t/);
	t.true(Number(restart.split('\t')[3]) >= Number(down.split('\t')[3]) + 1, `${restart} at least 1 s after ${down}`);
	await h.next(/^service\.state\th\tup\t/);
	// The echo, sent in the same write, is executed right after the clear (no event can come between
	// them), so it marks where the clear took effect in the stream of events.
	d.sendRaw('signal.clear\tSIGUSR1\t1\necho\tcleared\n');
	await d.stdout.waitFor('cleared');
	t.false(
		d.stdout.seen.some(line => line.startsWith('error')),
		'the clear succeeded',
	);
	// From there on: at most the start already scheduled runs, and after its exit nothing follows.
	const after = new EventScan(d.stdout, d.stdout.seen.lastIndexOf('cleared') + 1);
	await after.next(/^service\.state\th\tdown\t\d+\t\d+\texit\t0\t/);
	const from = after.position;
	// A restart would be emitted together with the `down` (one transition): a barrier suffices.
	await d.command('echo\tbarrier');
	const sinceDown = d.stdout.seen.slice(from, d.stdout.seen.lastIndexOf('barrier'));
	t.false(
		sinceDown.some(line => line.startsWith('service.state\th\tstart\t')),
		`no restart after the clear: ${JSON.stringify(sinceDown)}`,
	);
	const dump = await d.command('statedump');
	t.true(dump.some(line => /^service\.state\th\tdown\t\d+\t\d+\texit\t0\t/.test(line)));
	t.deepEqual(signalsOf(dump), []);
});

// Regression (signal replay before a service controller's own `up`, fixed): Daemon.addController replays pending
// signals as soon as the controller exists, which for a service controller is before the spawn, so
// they reach it before its own `service.state … up` line. §4.1 (observed in 1.1): the first line a
// controller service reads is its own `up` event (scripts use it to learn their name and pid), then
// the replayed signals. Input: SIGHUP pending; a control.event service `head -n 2`. Expected its
// two lines: `service.state\tc\tup\t…`, `signal\tSIGHUP\tTS\t1`. Actual: the other way round.
test('a controller service gets its own `up` event first, then the pending signals replayed (§4.1)', async t => {
	const dir = await tempDir(t);
	const out = join(dir, 'ctl.txt');
	const d = await startDaemon(t, []);
	const hup = parseSignalLine(await raise(d, 'SIGHUP'));
	await d.command(`fd.open\tout\twrite,create\t${out}`);
	await d.command('service.args\tc\t/bin/sh\t-c\thead -n 2');
	await d.command('service.fds\tc\tcontrol.event\tout\tstderr');
	// The `up` line may arrive before the echo barrier ends d.command(); look there first.
	const started = await d.command('service.start\tc');
	const up =
		started.find(line => /^service\.state\tc\tup\t/.test(line)) ?? (await d.stdout.waitFor(/^service\.state\tc\tup\t/));
	// head wrote both lines to its file before it exited: the `down` says they are there.
	await d.stdout.waitFor(/^service\.state\tc\tdown\t\d+\t\d+\texit\t0\t/);
	t.deepEqual(readFileSync(out, 'latin1').split('\n').slice(0, 2), [up, `signal\tSIGHUP\t${hup.ts}\t1`]);
});
