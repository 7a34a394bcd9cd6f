// The log destination misbehaves (spec §12.3, design §5): `log.dest` to a handle on /dev/full and
// to a pipe nobody reads. The daemon keeps running and answering, does not spin (its CPU time
// stays flat while the destination refuses), and what it had to drop from the pipe's backlog is
// counted once the pipe drains (`warning: lost N log messages`).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { setTimeout as delay } from 'node:timers/promises';
import { startDaemon, tempDir, watchPath, type Daemon } from './helpers/daemon.js';
import { cpuSeconds } from './init-support.js';

const IDLE_MS = 1000;
const MESSAGES = 5000;

/** Each unknown command logs one error line (§5.2); sent in one write, read back as replies. */
async function flood(d: Daemon, count: number): Promise<void> {
	let batch = '';
	for (let i = 0; i < count; i++) batch += `bogus.${i}\n`;
	d.sendRaw(batch);
	await d.stdout.waitFor(`error\tUnknown command: bogus.${count - 1}`, 20_000);
}

/** CPU seconds the daemon uses while nothing happens but a refusing log destination. */
async function idleCpu(d: Daemon): Promise<number> {
	const before = cpuSeconds(d.pid);
	// A fixed wait is the measurement here, not synchronisation.
	await delay(IDLE_MS);
	return cpuSeconds(d.pid) - before;
}

test('log.dest on /dev/full: writes fail, the daemon lives, answers and does not spin', async t => {
	const d = await startDaemon(t, []);
	await d.command('fd.open\tfull\twrite\t/dev/full');
	await d.command('log.dest\tfd\tfull');
	await flood(d, MESSAGES);
	const cpu = await idleCpu(d);
	t.true(cpu < 0.2, `CPU ${cpu} s while idle after the flood`);
	t.deepEqual(await d.command('echo\talive'), ['alive']);
	// Back to a working destination: new messages arrive.
	await d.command('log.dest\tfd\tstderr');
	d.send('after.full');
	await d.stderr.waitFor('error: controller[0] sent unknown command after.full');
	t.pass();
});

test('log.dest on a pipe nobody reads: bounded, no spinning, and the loss is reported once it drains', async t => {
	const dir = await tempDir(t);
	const out = join(dir, 'log.out');
	const d = await startDaemon(t, []);
	await d.command('fd.pipe\tlog.r\tlog.w');
	await d.command('log.dest\tfd\tlog.w');
	await flood(d, MESSAGES);
	const cpu = await idleCpu(d);
	t.true(cpu < 0.2, `CPU ${cpu} s while the pipe is full`);
	t.deepEqual(await d.command('echo\talive'), ['alive']);
	// A reader appears: cat copies the pipe into a file.
	await d.command(`fd.open\tout\twrite,create\t${out}`);
	await d.command('service.args\treader\t/bin/cat');
	await d.command('service.fds\treader\tlog.r\tout\tnull');
	d.send('service.start\treader');
	await d.stdout.waitFor(/^service\.state\treader\tup\t/);
	// Logged only once the backlog has drained (earlier it would be dropped and counted too).
	await watchPath(
		out,
		() => (readFileSync(out, 'latin1').includes('warning: lost ') ? true : undefined),
		'the lost line',
	);
	d.send('after.drain');
	const text = await watchPath(
		out,
		() => {
			const content = readFileSync(out, 'latin1');
			return content.includes('sent unknown command after.drain') ? content : undefined;
		},
		() =>
			`the log after the drain (file: ${readFileSync(out, 'latin1').slice(-300)}, stderr: ${d.stderr.seen.slice(-3).join(' | ')})`,
	);
	const lost = [...text.matchAll(/^warning: lost (\d+) log messages$/gm)].map(match => Number(match[1]));
	const written = text
		.split('\n')
		.filter(line => /^error: controller\[0\] sent unknown command bogus\.\d+$/.test(line)).length;
	t.log(`${written} flood lines written, lost ${lost.join(' + ')}`);
	t.is(lost.length, 1, 'one `lost` line for the episode');
	t.true((lost[0] ?? 0) > 0);
	t.true(written < MESSAGES, 'the pipe and the buffer could not hold everything');
	t.true(written + (lost[0] ?? 0) >= MESSAGES, 'every flood message is either written or counted');
	t.true(text.indexOf('warning: lost') < text.indexOf('after.drain'), 'the count comes before newer messages');
});
