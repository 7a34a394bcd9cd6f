// A failed command changes nothing (daemonproxy(8), THE PROTOCOL): inputs the system calls
// cannot take (a NUL inside an argument) are refused with an error line before any state is
// touched, and the state in place keeps working. The fuzz tests (core-fuzz, faults-fuzz) cover the
// breadth; these follow one finding each through to its effect.

import test from 'ava';
import { startDaemon } from './helpers/daemon.js';

const err = (message: string, line: string): string =>
	`error\t${message}, for command "${line.length <= 30 ? line : `${line.slice(0, 30)}...`}"`;

test('terminate.exec_args with a NUL: refused, and terminate still execs the command set before', async t => {
	const d = await startDaemon(t, []);
	t.deepEqual(await d.command('terminate.exec_args\t/bin/sh\t-c\techo exec-on-exit kept'), []);
	const bad = 'terminate.exec_args\t/bin/true\ta\0b';
	t.deepEqual(await d.command(bad), [err('argument contains a NUL byte', bad)]);
	d.send('terminate\t0');
	await d.stdout.waitFor('exec-on-exit kept');
	t.deepEqual(
		d.stderr.seen.filter(line => / threw: /.test(line)),
		[],
	);
});

test('service.args with a NUL: refused; the service keeps its vector and starts with it', async t => {
	const d = await startDaemon(t, []);
	await d.command('service.args\ts\t/bin/sh\t-c\texit 7');
	const bad = 'service.args\ts\t/bin/true\ta\0b';
	t.deepEqual(await d.command(bad), [err('argument contains a NUL byte', bad)]);
	d.send('service.start\ts');
	await d.stdout.waitFor(/^service\.state\ts\tdown\t\d+\t\d+\texit\t7\t/);
	t.false(d.stdout.seen.includes('service.args\ts\t/bin/true\ta\0b'), 'no broadcast of the refused vector');
});
