// --fd-pool N[xM] and --service-pool N[xM] as hard limits (spec §10.4, §13.3): N objects at
// most (the constant, standard and inherited handles count), M bytes of text per object; past a
// limit a command fails and changes nothing, leaks no descriptor, and the daemon lives on.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { daemonBin, DEFAULT_TIMEOUT_MS, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';
import { fdCount } from './init-support.js';

function err(message: string, line: string): string {
	return `error\t${message}, for command "${line.length <= 30 ? line : `${line.slice(0, 30)}...`}"`;
}

const ERROR_LINE = /^error\t.*, for command "/;

async function handleNames(d: Daemon): Promise<string[]> {
	return (await d.command('statedump'))
		.filter(line => line.startsWith('fd.state\t'))
		.map(line => line.split('\t')[1] ?? '');
}

/**
 * The handles a daemon starts with here: the seven of every daemon plus an fd_N for each
 * descriptor the test runner happens to pass on (the harness spawns every daemon the same way).
 */
async function startupHandles(t: ExecutionContext): Promise<string[]> {
	const probe = await startDaemon(t, []);
	const names = await handleNames(probe);
	await probe.stop();
	return names;
}

test('--fd-pool N: the standard handles count, a full pool refuses new handles (replacements too), no fd leaks', async t => {
	const base = await startupHandles(t);
	t.true(base.length >= 7, 'control.cmd/event/socket, null, stdin, stdout, stderr (and inherited fd_N)');
	const d = await startDaemon(t, ['--fd-pool', String(base.length + 3)]);
	for (const name of ['a', 'b', 'c'])
		t.deepEqual(await d.command(`fd.open\t${name}\tread\t/dev/null`), [`fd.state\t${name}\tfile\tread\t/dev/null`]);
	const fds = fdCount(d.pid);
	for (const line of ['fd.open\td\tread\t/dev/null', 'fd.pipe\tp.r\tp.w', 'fd.open\ta\twrite\t/dev/null']) {
		const reply = await d.command(line);
		t.is(reply.length, 1, line);
		t.regex(reply[0] ?? '', ERROR_LINE, line);
	}
	t.is(fdCount(d.pid), fds, "the refused objects' descriptors were closed");
	t.deepEqual(await handleNames(d), [...base, 'a', 'b', 'c'].sort());
	t.true(
		(await d.command('statedump')).includes('fd.state\ta\tfile\tread\t/dev/null'),
		'the handle that could not be replaced is untouched',
	);
	await d.command('fd.delete\tb');
	await d.command('fd.delete\tc');
	t.deepEqual(await d.command('fd.pipe\tp.r\tp.w'), ['fd.state\tp.r\tpipe\tfrom\tp.w', 'fd.state\tp.w\tpipe\tto\tp.r']);
});

test('--fd-pool: the 1.1 error texts', async t => {
	const d = await startDaemon(t, ['--fd-pool', String((await startupHandles(t)).length + 1)]);
	t.deepEqual(await d.command('fd.open\ta\tread\t/dev/null'), ['fd.state\ta\tfile\tread\t/dev/null']);
	for (const [line, message] of [
		['fd.open\tb\tread\t/dev/null', 'Unable to allocate new file descriptor object'],
		['fd.pipe\tp.r\tp.w', 'failed to create pipe'],
	] as const) {
		// service.fds warns about each entry that is not yet a handle before it fails (§7.5, as 1.1).
		t.deepEqual(
			(await d.command(line)).filter(reply => !reply.startsWith('warning: ')),
			[err(message, line)],
		);
	}
});

// Regression: a full --service-pool used to reach the controller as `internal error`; dispatch.ts
// now answers a PoolFullError with its 1.1 text.
test('--service-pool: the 1.1 error texts', async t => {
	const d = await startDaemon(t, ['--service-pool', '1x64']);
	t.deepEqual(await d.command('service.args\ta\t/bin/true'), ['service.args\ta\t/bin/true']);
	for (const [line, message] of [
		['service.args\tb\t/bin/true', 'Unable to allocate new service'],
		[`service.args\ta\t${'x'.repeat(70)}`, 'unable to set argv'],
		[`service.tags\ta\t${'x'.repeat(70)}`, 'unable to set tags'],
		[`service.fds\ta\t${'x'.repeat(31)}\t${'y'.repeat(31)}\tz`, 'unable to set file descriptors'],
	] as const) {
		// service.fds warns about each entry that is not yet a handle before it fails (§7.5, as 1.1).
		t.deepEqual(
			(await d.command(line)).filter(reply => !reply.startsWith('warning: ')),
			[err(message, line)],
		);
	}
});

test('--fd-pool NxM: a description longer than the object holds is cut with ...', async t => {
	const dir = await tempDir(t);
	const path = join(dir, `${'long-name-'.repeat(8)}.txt`);
	writeFileSync(path, '');
	const d = await startDaemon(t, ['--fd-pool', '20x32']);
	// Room: M + 31 - length(name) = 32 + 31 - 1 = 62 bytes, `...` included.
	const [line] = await d.command(`fd.open\tf\tread\t${path}`);
	t.is(line, `fd.state\tf\tfile\tread\t${path.slice(0, 59)}...`);
	const [short] = await d.command('fd.open\tg\tread\t/dev/null');
	t.is(short, 'fd.state\tg\tfile\tread\t/dev/null');
});

test('--fd-pool: inherited descriptors that do not fit are fatal at startup (exit 2)', async t => {
	const result = await execa(
		'/bin/sh',
		['-c', `exec 3</dev/null 4</dev/null 5</dev/null; exec ${daemonBin} --fd-pool 9 -S @dpt-pool-${process.pid}`],
		{ reject: false, timeout: DEFAULT_TIMEOUT_MS, encoding: 'latin1', stdin: 'ignore' },
	);
	t.is(result.exitCode, 2);
	t.regex(result.stderr, /^fatal: Not enough FD objects to register all open FDs$/m);
});

test('--service-pool N[xM]: at most N services and M bytes of text each; deleting frees a place', async t => {
	const d = await startDaemon(t, ['--service-pool', '2x64']);
	t.deepEqual(await d.command('service.args\ta\t/bin/true'), ['service.args\ta\t/bin/true']);
	t.deepEqual(await d.command('service.tags\tb\tx'), ['service.tags\tb\tx']);
	for (const line of [
		'service.args\tc\t/bin/true',
		'service.auto_up\tc\t1\talways',
		`service.args\ta\t/bin/${'x'.repeat(60)}`,
	]) {
		const reply = await d.command(line);
		t.is(reply.length, 1, line);
		t.regex(reply[0] ?? '', ERROR_LINE, line);
	}
	const dump = await d.command('statedump');
	t.false(
		dump.some(line => /^service\.\w+\tc\t/.test(line)),
		'no service c',
	);
	t.true(dump.includes('service.args\ta\t/bin/true'), 'a kept its arguments');
	await d.command('service.delete\tb');
	t.deepEqual(await d.command('service.args\tc\t/bin/true'), ['service.args\tc\t/bin/true']);
});
