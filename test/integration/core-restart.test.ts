// Automatic restarts (spec §9.5, §7.6): one interval after a short run's exit, at once after a long
// run, never faster than once a second (our fix for an unset interval), one start line each. Nothing
// sleeps: the daemon's timestamps are read, and each run stamps its own start time in a file.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { fields, fixture, next, startDaemon, stateRe, tempDir, type Cursors, type Daemon } from './helpers/daemon.js';

/** /proc/uptime, which stamp-exit.sh reads, has a resolution of 10 ms. */
const STAMP_RESOLUTION_S = 0.01;

/** The `PID UPTIME` lines that stamp-exit.sh appended, one per run. */
async function readStamps(file: string): Promise<Array<[number, number]>> {
	const text = await readFile(file, 'latin1').catch(() => '');
	return text
		.split('\n')
		.filter(line => line !== '')
		.map(line => {
			const [pid, uptime] = line.split(' ').map(Number);
			return [pid ?? 0, uptime ?? 0];
		});
}

/** Seconds between the start of run i-1 and run i. */
function gap(runs: Array<[number, number]>, i: number): number {
	return (runs[i]?.[1] ?? Number.NaN) - (runs[i - 1]?.[1] ?? Number.NaN);
}

async function stopRestarts(d: Daemon, name: string): Promise<void> {
	await d.command(`service.auto_up\t${name}\t-`);
	await d.command(`service.start\t${name}\t-`);
}

test('a short run is restarted one interval after its exit, with exactly one start line per restart', async t => {
	const stamps = join(await tempDir(t), 'stamps');
	const d = await startDaemon(t, []);
	const c: Cursors = new Map();
	await d.command(`service.args\tr\t${fixture('stamp-exit.sh')}\t${stamps}\t7`);
	d.send('service.auto_up\tr\t2\talways');
	const up1 = await next(d, c, 'r', 'up');
	const down1 = await next(d, c, 'r', 'down');
	t.deepEqual(down1.f.slice(2, 5), [up1.f[2], 'exit', '7']);
	const up2 = await next(d, c, 'r', 'up');
	// Between the exit and the next run: exactly one start line, at reap time + interval.
	t.is(up2.lines.length, 2);
	t.deepEqual(fields(up2.lines[0] ?? ''), ['start', String(Number(down1.f[1]) + 2), '-', '-', '-', '-', '-']);
	t.true(Number(up2.f[1]) >= Number(down1.f[1]) + 2);
	t.not(up2.f[2], up1.f[2]);
	const down2 = await next(d, c, 'r', 'down');
	t.is(down2.lines.length, 1);
	// The third start is pending (for two seconds): disabling auto-start keeps it, cancelling ends it.
	t.is((await d.command('service.auto_up\tr\t-')).at(-1), 'service.auto_up\tr\t-');
	t.is(d.stdout.seen.filter(line => stateRe('r', 'start').test(line)).length, 3);
	t.deepEqual(await d.command('service.start\tr\t-'), ['service.state\tr\tdown\t-\t-\t-\t-\t-\t-']);
	// The runs themselves say when they started: two seconds apart at least.
	const runs = await readStamps(stamps);
	t.deepEqual(
		runs.map(([pid]) => String(pid)),
		[up1.f[2], up2.f[2]],
	);
	t.true(gap(runs, 1) >= 2 - STAMP_RESOLUTION_S, `runs ${gap(runs, 1).toFixed(2)} s apart`);
});

test('with triggers but no interval, a failing service restarts at most once a second (our fix)', async t => {
	const stamps = join(await tempDir(t), 'stamps');
	const d = await startDaemon(t, []);
	const c: Cursors = new Map();
	await d.command(`service.args\tf\t${fixture('stamp-exit.sh')}\t${stamps}`);
	const [start, autoUp] = await d.command('service.auto_up\tf\t-\talways');
	t.regex(start ?? '', stateRe('f', 'start'));
	t.is(autoUp, 'service.auto_up\tf\t0\talways');
	await next(d, c, 'f', 'up');
	for (let run = 0; run < 2; run++) {
		const down = await next(d, c, 'f', 'down');
		t.deepEqual(down.f.slice(3, 5), ['exit', '1']);
		const up = await next(d, c, 'f', 'up');
		t.deepEqual(
			up.lines.map(line => fields(line).slice(0, 2)),
			[
				['start', String(Number(down.f[1]) + 1)],
				['up', up.f[1]],
			],
		);
	}
	await stopRestarts(d, 'f');
	// The third run stamps its file before it exits: its `down` (the first after its `up`; a
	// cancelled pending start would show as a later one) says the stamp is there.
	t.deepEqual((await next(d, c, 'f', 'down')).f.slice(3, 5), ['exit', '1']);
	const runs = await readStamps(stamps);
	t.true(runs.length >= 3, `${runs.length} runs stamped`);
	for (const i of [1, 2]) t.true(gap(runs, i) >= 1 - STAMP_RESOLUTION_S, `runs ${gap(runs, i).toFixed(2)} s apart`);
});

test('a run longer than the interval is restarted at once', async t => {
	const d = await startDaemon(t, []);
	const c: Cursors = new Map();
	// The service's own sleep is what is tested (a run longer than the interval), not a wait.
	await d.command('service.args\tlong\t/bin/sh\t-c\tsleep 1.2');
	d.send('service.auto_up\tlong\t1\talways');
	const up1 = await next(d, c, 'long', 'up');
	const down = await next(d, c, 'long', 'down');
	t.true(Number(down.f[5]) >= 1);
	const up2 = await next(d, c, 'long', 'up');
	t.deepEqual(fields(up2.lines[0] ?? ''), ['start', down.f[1], '-', '-', '-', '-', '-']);
	t.not(up2.f[2], up1.f[2]);
	await stopRestarts(d, 'long');
	await d.command('service.signal\tlong\tKILL');
});
