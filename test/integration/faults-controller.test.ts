// A stuck controller (spec §4.4, design §1.3, §3): a socket controller process stopped with
// SIGSTOP while 50,000 events are published. The daemon's memory stays bounded, the other
// controller gets every event, and after SIGCONT the stuck one gets its backlog, exactly one
// `overflow` line, and re-synchronises with `statedump`.

import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { LineReader, startDaemon, tempDir } from './helpers/daemon.js';
import { rssKiB } from './init-support.js';

const EVENTS = 50_000;
const RSS_GROWTH_LIMIT_KIB = 96 * 1024;

test('SIGSTOP on a controller during 50,000 events: one overflow, bounded memory, re-sync after SIGCONT', async t => {
	const dir = await tempDir(t);
	const sock = join(dir, 'ctl.sock');
	const d = await startDaemon(t, ['-S', sock]);
	// The stuck controller is a separate process, so that it can be stopped.
	const socat = execa('socat', ['-', `UNIX-CONNECT:${sock}`], {
		stdin: 'pipe',
		stdout: 'pipe',
		stderr: 'ignore',
		buffer: false,
		reject: false,
		encoding: 'buffer',
	});
	t.teardown(() => {
		socat.kill('SIGKILL');
	});
	const stuck = new LineReader(socat.stdout, 'stuck controller');
	// Long block timeouts: this test is about overflow, not about closing a blocked reader (§4.5).
	socat.stdin.write('conn.event_timeout\t2147483647\t2147483647\necho\tconnected\n');
	await stuck.waitFor('connected');
	process.kill(socat.pid ?? 0, 'SIGSTOP');

	const rssBefore = rssKiB(d.pid);
	let rssMax = rssBefore;
	// Sampling RSS on a timer is the measurement here (the peak during the flood), not a wait.
	const sampler = setInterval(() => {
		rssMax = Math.max(rssMax, rssKiB(d.pid));
	}, 50);
	t.teardown(() => clearInterval(sampler));
	let batch = '';
	for (let i = 0; i < EVENTS; i++) batch += `service.args\tflood\t${i}\n`;
	d.sendRaw(batch);
	let seen = 0;
	await d.stdout.waitFor(line => line.startsWith('service.args\tflood\t') && ++seen === EVENTS, 60_000);
	clearInterval(sampler);
	t.log(`RSS ${rssBefore} KiB before, ${rssMax} KiB at most during the flood`);
	t.is(seen, EVENTS, 'the other controller got every event');
	t.true(rssMax - rssBefore < RSS_GROWTH_LIMIT_KIB, `RSS grew by ${rssMax - rssBefore} KiB`);

	process.kill(socat.pid ?? 0, 'SIGCONT');
	socat.stdin.write('statedump\necho\tresynced\n');
	await stuck.waitFor('resynced', 20_000);
	const lines = stuck.seen;
	const overflows = lines.filter(line => line === 'overflow').length;
	const floodEvents = lines.filter(line => line.startsWith('service.args\tflood\t')).length;
	t.log(`stuck controller: ${floodEvents} flood lines (the statedump's included), ${overflows} overflow`);
	t.is(overflows, 1);
	t.true(floodEvents < EVENTS, 'events were dropped for it');
	t.true(lines.includes(`service.args\tflood\t${EVENTS - 1}`), 'the statedump shows the final state');
	t.true(rssKiB(d.pid) > 0, 'the daemon is alive');
});
