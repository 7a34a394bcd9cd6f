// Integration tests of long replies whose reader goes away (daemonproxy(8), Back-pressure and
// overflow): a flood of statedumps abandoned by connections that stop reading and close must not
// hold up another client's `echo`, nor keep the memory or descriptors they took; a connection that
// is flushing when its peer leaves is released. Measured on the real daemon over its socket.

import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import {
	daemonBin,
	DEFAULT_TIMEOUT_MS,
	listFds,
	pollUntil,
	SocketClient,
	startDaemon,
	tempDir,
	type Daemon,
} from './helpers/daemon.js';

const SERVICES = 2000;
const ATTACKERS = 100;
/** Attackers connected at once: enough dumps in flight to show a daemon that does them in one go. */
const AT_ONCE = 50;

function rssMiB(pid: number): number {
	const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
	return Number(match?.[1] ?? Number.NaN) / 1024;
}

async function withServices(d: Daemon, count: number): Promise<void> {
	let config = '';
	for (let i = 0; i < count; i++) config += `service.args\tsvc${String(i).padStart(5, '0')}\t/bin/true\n`;
	d.sendRaw(config);
	await d.command('echo\tconfigured', 30_000);
}

function connect(path: string): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const socket = createConnection({ path });
		socket.once('connect', () => resolve(socket));
		socket.once('error', reject);
	});
}

/** Sends statedump, waits for its first bytes (the dump is under way), stops reading and leaves. */
async function abandonDump(path: string): Promise<void> {
	const socket = await connect(path);
	socket.on('error', () => {});
	await new Promise<void>(resolve => {
		socket.once('data', () => {
			socket.pause();
			socket.destroy();
			resolve();
		});
		socket.write('statedump\n');
	});
}

/** Round trips of `echo` on `client` until `stop()` says so; resolves with the slowest, in ms. */
async function echoLatency(client: SocketClient, stop: () => boolean): Promise<number> {
	let worst = 0;
	for (let i = 0; !stop(); i++) {
		const started = performance.now();
		client.socket.write(`echo\tping${i}\n`);
		await client.lines.waitFor(`ping${i}`, 60_000);
		worst = Math.max(worst, performance.now() - started);
	}
	return worst;
}

test.serial('abandoned statedumps: another client`s echo stays fast; memory and descriptors come back', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	const d = await startDaemon(t, ['-S', path]);
	await withServices(d, SERVICES);
	const root = await SocketClient.connect(path);
	await echoLatency(
		root,
		(() => {
			let n = 0;
			return () => n++ >= 20;
		})(),
	);
	// Counted before the warm-up dump: its connection may still be closing when RSS is read.
	const fdsBefore = listFds(d.pid).length;
	// One abandoned dump first, so the RSS baseline includes what any dump leaves warm.
	await abandonDump(path);
	await root.command('echo\twarm');
	const rssBefore = rssMiB(d.pid);

	let attacking = true;
	let rssPeak = rssBefore;
	const latency = echoLatency(root, () => !attacking);
	for (let sent = 0; sent < ATTACKERS; sent += AT_ONCE) {
		await Promise.all(Array.from({ length: AT_ONCE }, () => abandonDump(path)));
		rssPeak = Math.max(rssPeak, rssMiB(d.pid));
	}
	// The dumps may still be under way in the daemon: the last round trip waits for their leftover work.
	attacking = false;
	const worst = await latency;
	t.log(`worst echo ${worst.toFixed(0)} ms; RSS ${rssBefore.toFixed(1)} → peak ${rssPeak.toFixed(1)} MiB`);
	t.true(worst < 1000, `root's echo took ${worst.toFixed(0)} ms during the attack`);
	await pollUntil(
		() => (listFds(d.pid).length === fdsBefore ? true : undefined),
		() => `descriptors: ${listFds(d.pid).length}, before ${fdsBefore}`,
	);
	const rssAfter = rssMiB(d.pid);
	t.log(`RSS after ${rssAfter.toFixed(1)} MiB`);
	t.true(rssAfter < rssBefore + 50, `RSS ${rssBefore.toFixed(1)} → ${rssAfter.toFixed(1)} MiB`);
	t.is((await root.command('echo\tstill here')).join(), 'still here');
});

test.serial('a connection flushing its output when the peer leaves is released (descriptor and slot)', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	// A high-water mark above the whole dump: every command runs, the output waits to be flushed.
	const d = await startDaemon(t, ['-S', path, '--output-high-water', String(16 * 1024 * 1024)]);
	await withServices(d, SERVICES);
	const root = await SocketClient.connect(path);
	await root.command('echo\tready');
	const fdsBefore = listFds(d.pid).length;
	for (let i = 0; i < 3; i++) {
		const socket = await connect(path);
		socket.on('error', () => {});
		await new Promise<void>(resolve => {
			let received = 0;
			socket.on('data', (chunk: Buffer) => {
				received += chunk.length;
				// Reading some makes room, so the daemon writes again and meets the EOF behind the command.
				if (received < 64 * 1024) return;
				socket.pause();
				resolve();
			});
			socket.end('statedump\n'); // shuts down its write side: EOF after the command
		});
		// A round trip through the daemon's loop: it has handled the room made and the EOF, and is
		// flushing the rest of the dump (its descriptor still held).
		await root.command('echo\tsync');
		t.is(listFds(d.pid).length, fdsBefore + 1);
		socket.destroy();
		await pollUntil(
			() => (listFds(d.pid).length === fdsBefore ? true : undefined),
			() => `descriptors: ${listFds(d.pid).length}, before ${fdsBefore} (the flushing connection was never released)`,
		);
	}
	t.is((await root.command('echo\tstill here')).join(), 'still here');
});

test('--stream-lines-per-turn: a budget of one line per turn still gives the whole dump; a bad value is refused', async t => {
	const path = join(await tempDir(t), 'ctl');
	const d = await startDaemon(t, ['-S', path, '--stream-lines-per-turn', '1']);
	for (let i = 0; i < 100; i++) d.send(`service.args\tsvc${i}\t/bin/true`);
	await d.command('echo\tsync'); // the events of those commands come first on stdin
	const own = await d.command('statedump');
	t.true(own.length >= 100);
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	t.deepEqual(await client.command('statedump'), own);
	const bad = await execa(daemonBin, ['-S', `${path}2`, '--stream-lines-per-turn', '0'], {
		reject: false,
		stdin: 'ignore',
		timeout: DEFAULT_TIMEOUT_MS,
	});
	t.is(bad.exitCode, 2);
	t.regex(bad.stderr, /--stream-lines-per-turn expects an integer from 1 to 1048576, not "0"/);
});
