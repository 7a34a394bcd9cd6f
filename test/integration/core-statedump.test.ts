// statedump (spec §8): handles in bytewise name order (the constant handles and stdin, stdout,
// stderr always there), then exactly five lines per service in the order state, tags, args, fds,
// auto_up, services in bytewise order, then the pending signals oldest first; issuer only.

import { join } from 'node:path';
import test from 'ava';
import { fixture, monotonicSeconds, SocketClient, startDaemon, tempDir } from './helpers/daemon.js';

const CONSTANT_HANDLES = [
	'fd.state\tcontrol.cmd\tspecial\twrite\tdaemonproxy command pipe',
	'fd.state\tcontrol.event\tspecial\tread\tdaemonproxy event stream',
	'fd.state\tcontrol.socket\tspecial\tread,write\tdaemonproxy control socket',
	'fd.state\tnull\tspecial\tread,write\t/dev/null',
];

/** Bytewise order of latin1 strings (one UTF-16 unit per byte, so code-unit order is byte order). */
function sortedBytewise(names: string[]): string[] {
	return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

test('a fresh daemon: the constant handles and stdin/stdout/stderr, in name order', async t => {
	const d = await startDaemon(t, []);
	const dump = await d.command('statedump');
	const names = dump.map(line => line.split('\t')[1] ?? '');
	t.true(dump.every(line => line.startsWith('fd.state\t')));
	t.deepEqual(names, sortedBytewise(names));
	// fd_N lines appear only for descriptors the daemon inherited; the rest is fixed.
	const fixed = dump.filter(line => !/^fd\.state\tfd_\d+\t/.test(line));
	t.deepEqual(fixed.slice(0, 4), CONSTANT_HANDLES);
	t.deepEqual(
		fixed.slice(4).map(line => line.split('\t')[1]),
		['stderr', 'stdin', 'stdout'],
	);
	for (const line of fixed.slice(4))
		t.regex(line, /^fd\.state\tstd(?:in|out|err)\t(?:file|socket)\t[a-z0-9,=]+\tunknown$/);
	t.deepEqual(await d.command('statedump\textra\tfields'), dump);
});

test('handles, then five lines per service in bytewise order, then pending signals oldest first', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	const d = await startDaemon(t, ['-S', path]);
	const setup = [
		'fd.pipe\tzz.r\tzz.w',
		'fd.open\taa\tread\t/dev/null',
		`service.args\tzeta\t${fixture('sleep-forever.sh')}`,
		'service.tags\tzeta\towner=ops\tprio=2',
		'service.fds\tzeta\tnull\tnull\tnull',
		'service.args\talpha\t/bin/true\t\tx',
		'service.tags\tAlpha\tcaps',
		'service.auto_up\tal\t4\tQUIT\tSIGUSR1',
		'service.fds\tal-2\tnull\t-\tzz.w',
		'service.tags\tal.b',
		'service.auto_up\tal.b\t3',
	];
	for (const line of setup) await d.command(line);
	d.send('service.start\tzeta');
	const up = (await d.stdout.waitFor(/^service\.state\tzeta\tup\t/)).split('\t');
	const [upTs, pid] = [Number(up[3]), Number(up[4])];
	// Two counted signals, one after the other (§11).
	process.kill(d.pid, 'SIGUSR2');
	const usr2 = await d.stdout.waitFor(/^signal\tSIGUSR2\t\d+\t1$/);
	process.kill(d.pid, 'SIGHUP');
	const hup = await d.stdout.waitFor(/^signal\tSIGHUP\t\d+\t1$/);

	const dumpedFrom = monotonicSeconds();
	const dump = await d.command('statedump');
	const dumpedTo = monotonicSeconds();
	const handles = dump.filter(line => line.startsWith('fd.state\t') && !/^fd\.state\tfd_\d+\t/.test(line));
	t.deepEqual(
		handles.map(line => line.split('\t')[1]),
		['aa', 'control.cmd', 'control.event', 'control.socket', 'null', 'stderr', 'stdin', 'stdout', 'zz.r', 'zz.w'],
	);
	t.is(handles[0], 'fd.state\taa\tfile\tread\t/dev/null');
	t.deepEqual(handles.slice(1, 5), CONSTANT_HANDLES);
	t.deepEqual(handles.slice(8), ['fd.state\tzz.r\tpipe\tfrom\tzz.w', 'fd.state\tzz.w\tpipe\tto\tzz.r']);

	const firstService = dump.findIndex(line => line.startsWith('service.'));
	t.true(dump.slice(0, firstService).every(line => line.startsWith('fd.state\t')));
	const services = dump.slice(firstService, firstService + 30);
	const state = services[25]?.split('\t') ?? [];
	t.deepEqual(state.slice(0, 6), ['service.state', 'zeta', 'up', String(upTs), String(pid), '-']);
	t.is(state[6], '-');
	t.is(state[8], '-');
	// UPTIME is whole seconds from the fork (in second upTs) to the dump (between before and after).
	const uptime = Number(state[7]);
	t.true(
		uptime >= dumpedFrom - upTs - 1 && uptime <= dumpedTo - upTs,
		`UPTIME ${uptime}, dumped in [${dumpedFrom}, ${dumpedTo}], up at ${upTs}`,
	);
	t.deepEqual(
		services.filter((_line, i) => i !== 25),
		[
			'service.state\tAlpha\tdown\t-\t-\t-\t-\t-\t-',
			'service.tags\tAlpha\tcaps',
			'service.args\tAlpha\t',
			'service.fds\tAlpha\tnull\tnull\tnull',
			'service.auto_up\tAlpha\t-',
			'service.state\tal\tdown\t-\t-\t-\t-\t-\t-',
			'service.tags\tal\t',
			'service.args\tal\t',
			'service.fds\tal\tnull\tnull\tnull',
			'service.auto_up\tal\t4\tQUIT\tSIGUSR1',
			'service.state\tal-2\tdown\t-\t-\t-\t-\t-\t-',
			'service.tags\tal-2\t',
			'service.args\tal-2\t',
			'service.fds\tal-2\tnull\t-\tzz.w',
			'service.auto_up\tal-2\t-',
			'service.state\tal.b\tdown\t-\t-\t-\t-\t-\t-',
			'service.tags\tal.b\t',
			'service.args\tal.b\t',
			'service.fds\tal.b\tnull\tnull\tnull',
			'service.auto_up\tal.b\t-',
			'service.state\talpha\tdown\t-\t-\t-\t-\t-\t-',
			'service.tags\talpha\t',
			'service.args\talpha\t/bin/true\t\tx',
			'service.fds\talpha\tnull\tnull\tnull',
			'service.auto_up\talpha\t-',
			'service.tags\tzeta\towner=ops\tprio=2',
			`service.args\tzeta\t${fixture('sleep-forever.sh')}`,
			'service.fds\tzeta\tnull\tnull\tnull',
			'service.auto_up\tzeta\t-',
		],
	);
	t.deepEqual(dump.slice(firstService + 30), [usr2, hup]);

	// Issuer only: a second controller connected meanwhile gets nothing of it.
	const other = await SocketClient.connect(path);
	t.teardown(() => other.close());
	const early = await other.command('# sync'); // a new controller is told the pending signals (§11.3)
	t.deepEqual(early, [usr2, hup]);
	await d.command('statedump');
	t.deepEqual(await other.command('# sync'), []);
	// A deleted service disappears from the dump.
	await d.command('service.delete\tal-2');
	const after = (await d.command('statedump')).filter(line => line.startsWith('service.state\t'));
	t.deepEqual(
		after.map(line => line.split('\t')[1]),
		['Alpha', 'al', 'al.b', 'alpha', 'zeta'],
	);
});
