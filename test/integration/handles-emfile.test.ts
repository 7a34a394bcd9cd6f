// Running out of descriptors (EMFILE): the daemon runs under `prlimit --nofile=64:64`, handles are
// opened until the kernel refuses, and every fd command must answer with an error line, never crash,
// and work again once handles are deleted. Also a controller service starting at the limit, and a
// control-socket connection arriving at the limit.

import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { daemonBin, SocketClient, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

const NOFILE = 64;

function err(message: string, line: string): string {
	const context = line.length <= 30 ? line : `${line.slice(0, 30)}...`;
	return `error\t${message}, for command "${context}"`;
}

/** An interactive daemon with at most NOFILE descriptors, listening on DIR/ctl.sock. */
async function startLimited(t: ExecutionContext): Promise<{ d: Daemon; dir: string }> {
	const dir = await tempDir(t);
	const d = await startDaemon(t, [`--nofile=${NOFILE}:${NOFILE}`, daemonBin, '-i', '-S', join(dir, 'ctl.sock')], {
		bin: 'prlimit',
		interactive: false,
		cwd: dir,
	});
	for (let i = 0; i < 6; i++) t.regex(await d.stdout.next(), /^info\t/);
	return { d, dir };
}

/** Opens /dev/null handles h1, h2, … until the daemon runs out; returns how many it opened. */
async function exhaust(t: ExecutionContext, d: Daemon): Promise<number> {
	for (let i = 1; i <= NOFILE; i++) {
		const line = `fd.open\th${i}\tread\t/dev/null`;
		const reply = await d.command(line);
		if (reply[0]?.startsWith('error')) {
			t.deepEqual(reply, [err('open failed: Too many open files', line)]);
			return i - 1;
		}
		t.deepEqual(reply, [`fd.state\th${i}\tfile\tread\t/dev/null`]);
	}
	throw new Error(`${NOFILE} handles opened without EMFILE`);
}

async function free(d: Daemon, opened: number, count: number): Promise<void> {
	for (let i = opened; i > opened - count; i--) await d.command(`fd.delete\th${i}`);
}

test('EMFILE: every fd command answers with an error line, the daemon lives, and works again after deleting handles', async t => {
	const { d } = await startLimited(t);
	await d.command('service.args\tctl\t/bin/sh\t-c\tprintf "echo\\tctl-alive\\n"; read -r line');
	await d.command('service.fds\tctl\tcontrol.socket\tcontrol.socket\tnull');
	const opened = await exhaust(t, d);
	t.true(opened > 10, `opened ${opened}`);
	for (const [line, message] of [
		['fd.pipe\tp.r\tp.w', 'pipe() failed: Too many open files'],
		['fd.pipe\ts.a\ts.b\tstream', 'socketpair() failed: Too many open files'],
		['fd.socket\ts\t', 'socket: Too many open files'],
		['fd.open\tx\twrite,create\tx.txt', 'open failed: Too many open files'],
	] as const) {
		t.deepEqual(await d.command(line), [err(message, line)], line);
	}
	// A controller service cannot get its socketpair: logged, and retried like a failed fork (§9.4).
	d.send('service.start\tctl');
	const first = Number((await d.stdout.waitFor(/^service\.state\tctl\tstart\t/)).split('\t')[3]);
	await d.stderr.waitFor(/^error: can't create socketpair: Too many open files$/);
	const retry = Number((await d.stdout.waitFor(/^service\.state\tctl\tstart\t/)).split('\t')[3]);
	t.true(retry >= first + 3 && retry <= first + 6, `retry scheduled at ${retry}, first attempt at ${first}`);
	t.deepEqual(await d.command('echo\tstill alive'), ['still alive']);
	await free(d, opened, 10);
	t.deepEqual(await d.command('fd.pipe\tp.r\tp.w'), ['fd.state\tp.r\tpipe\tfrom\tp.w', 'fd.state\tp.w\tpipe\tto\tp.r']);
	t.deepEqual(await d.command('fd.socket\ts\t'), ['fd.state\ts\tsocket\tunix,stream\t']);
	t.deepEqual(await d.command('fd.open\tx\twrite,create\tx.txt'), ['fd.state\tx\tfile\twrite,create\tx.txt']);
	// The retry (3 s later) now succeeds.
	await d.stdout.waitFor(/^service\.state\tctl\tup\t/);
	const dump = await d.command('statedump');
	t.true(dump.includes('fd.state\th1\tfile\tread\t/dev/null'));
	t.false(
		dump.some(line => line.startsWith(`fd.state\th${opened + 1}\t`)),
		'the failed opens created nothing',
	);
});

// Regression: at EMFILE the listener used to spin (level-triggered poll) at 100% CPU, logging
// ~100,000 lines a second. It now pauses, retries on a timer and logs once per episode.
test('EMFILE: a connection arriving at the limit is accepted once handles are freed, without a busy loop', async t => {
	const { d, dir } = await startLimited(t);
	const opened = await exhaust(t, d);
	const client = await SocketClient.connect(join(dir, 'ctl.sock'));
	t.teardown(() => client.close());
	client.send('echo\tserved');
	await d.stderr.waitFor(/^error: accept\(control socket .*\): Too many open files; retrying every \d+ ms$/);
	// Some work for the daemon while the connection waits (a correct daemon logs once meanwhile).
	for (let i = 0; i < 20; i++) await d.command('statedump');
	await free(d, opened, 10);
	t.is(await client.lines.waitFor('served'), 'served');
	const acceptErrors = d.stderr.seen.filter(line => line.startsWith('error: accept(control socket')).length;
	t.is(acceptErrors, 1, `${acceptErrors} accept errors logged while one connection waited`);
});
