// The restart policy (issue 14): a crash loop under service.backoff waits about 1, 2, 4, 8 s
// (measured by the runs themselves, lower bounds only) with a growing `restarts`;
// service.restart_limit makes a service `failed`, and only a start by hand starts it again. A
// connection that never asks for service.status sees the 1.1 bytes only.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { dpctl } from './dpctl-helpers.js';
import { fixture, startDaemon, stateRe, tempDir, waitForPath } from './helpers/daemon.js';
import { SocketClient } from './helpers/socket-client.js';

/** Start times (seconds since boot) that stamp-exit.sh appended, one per run. */
async function stampTimes(file: string): Promise<number[]> {
	const text = await readFile(file, 'latin1').catch(() => '');
	return text
		.split('\n')
		.filter(line => line !== '')
		.map(line => Number(line.split(' ')[1]));
}

test('a crash loop with backoff waits about 1, 2, 4, 8 s, and restarts grows; 1.1 connections see no status', async t => {
	const dir = await tempDir(t);
	const socket = join(dir, 'd.sock');
	const stamps = join(dir, 'stamps');
	const d = await startDaemon(t, ['-S', socket]);
	await waitForPath(socket);
	const watcher = await SocketClient.connect(socket);
	t.teardown(() => watcher.close());
	await watcher.command('events.subscribe\tservice.status');
	await d.command(`service.args\tc\t${fixture('stamp-exit.sh')}\t${stamps}\t1`);
	await d.command('service.backoff\tc\t16');
	d.send('service.auto_up\tc\t1\talways');
	for (let restarts = 1; restarts <= 4; restarts++) {
		await watcher.lines.waitFor(new RegExp(`^service\\.status\\tc\\tready=-\\trestarts=${restarts}\\t`));
	}
	await d.stdout.waitFor(stateRe('c', 'up'));
	await watcher.lines.waitFor(/^service\.state\tc\tup\t/);
	// During the loop the table and the JSON show the last exit, though the state is `start` or `up`.
	const json = JSON.parse((await dpctl(socket, ['status', '--json', 'c'])).stdout) as Array<Record<string, unknown>>;
	t.like(json[0], { lastExit: { reason: 'exit', value: '1' }, failed: false, ready: null });
	t.true(Number(json[0]?.['restarts']) >= 4);
	const tsv = (await dpctl(socket, ['status', 'c'])).lines[0]?.split('\t') ?? [];
	t.deepEqual(tsv.slice(9, 12), ['-', String(json[0]?.['restarts']), 'no']);

	await d.command('service.auto_up\tc\t-');
	const times = await stampTimes(stamps);
	const gaps = times.slice(1, 5).map((time, i) => time - (times[i] ?? 0));
	t.is(gaps.length, 4);
	const expected = [1, 2, 4, 8];
	gaps.forEach((gap, i) => {
		t.true(gap >= 0.9 * (expected[i] ?? 0), `gap ${i + 1} is ${gap} s, expected about ${expected[i]} s`);
		if (i > 0) t.true(gap > (gaps[i - 1] ?? 0), `gaps grow: ${gaps.join(', ')}`);
	});
	t.log(`measured gaps: ${gaps.map(g => g.toFixed(2)).join(', ')} s`);
	// The interactive controller never asked: no service.status line, and a 1.1 statedump.
	t.false(d.stdout.seen.some(line => line.startsWith('service.status')));
	const dump = await d.command('statedump');
	t.is(dump.filter(line => line.startsWith('service.')).length, 5);
});

test('past the restart limit a service is failed and stays down until started by hand', async t => {
	const dir = await tempDir(t);
	const socket = join(dir, 'd.sock');
	const d = await startDaemon(t, ['-S', socket]);
	await waitForPath(socket);
	await d.command('events.subscribe\tservice.status');
	await d.command('service.args\tf\t/bin/false');
	await d.command('service.restart_limit\tf\t2\t60');
	d.send('service.auto_up\tf\t1\talways');
	await d.stdout.waitFor(/^service\.status\tf\tready=-\trestarts=2\tfailed=yes\t/);
	await d.stderr.waitFor(/service 'f' failed \(2 restarts within 60 s\)/);
	const starts = d.stdout.seen.filter(line => stateRe('f', 'start').test(line)).length;
	t.is(starts, 3);
	// Stays down: setting `always` again would start any other down service at once, before the
	// command's echo barrier; a failed one stays down.
	await d.command('service.auto_up\tf\t1\talways');
	t.is(d.stdout.seen.filter(line => stateRe('f', 'start').test(line)).length, starts);
	const table = JSON.parse((await dpctl(socket, ['status', '--json', 'f'])).stdout) as Array<Record<string, unknown>>;
	t.like(table[0], { state: 'down', failed: true, restarts: 2 });
	// A start by hand clears it (and the limit counts afresh).
	await d.command('service.auto_up\tf\t-');
	d.send('service.start\tf');
	await d.stdout.waitFor(/^service\.status\tf\t.*\tfailed=no\t/);
	await d.stdout.waitFor(stateRe('f', 'down'));
});

test('bad restart-policy arguments are refused and change nothing', async t => {
	const d = await startDaemon(t, []);
	for (const line of [
		'service.backoff\tx\t0',
		'service.backoff\tx\t5\tsoon',
		'service.restart_limit\tx\t3',
		'service.restart_limit\tx\t-1\t10',
		'service.ready_timeout\tx\t0',
		'service.notify\tx\tmaybe',
		'service.notify\tx\ton\t0',
	]) {
		const reply = await d.command(line);
		t.regex(reply[0] ?? '', /^error\t/, line);
	}
	t.false((await d.command('statedump')).some(line => line.startsWith('service.state\tx\t')));
});
