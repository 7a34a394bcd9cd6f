// Explicit starts and deletion (spec §7.7, §7.9, §6.1): service.start at a future TS and not
// before it, re-scheduling and cancelling a pending start, the current second accepted (our fix),
// and service.delete of services never started, pending or exited (our fix), not running ones.

import test from 'ava';
import { fields, fixture, monotonicSeconds, next, startDaemon, stateRe, type Cursors } from './helpers/daemon.js';

test('service.start NAME TS starts at TS, not before; uptimes are whole seconds of the run', async t => {
	const d = await startDaemon(t, []);
	const c: Cursors = new Map();
	await d.command(`service.args\tearly\t${fixture('sleep-forever.sh')}`);
	d.send('service.start\tearly');
	const early = await next(d, c, 'early', 'up');
	await d.command(`service.args\tlater\t${fixture('sleep-forever.sh')}`);
	const when = monotonicSeconds() + 2;
	t.deepEqual(await d.command(`service.start\tlater\t${when}`), [
		`service.state\tlater\tstart\t${when}\t-\t-\t-\t-\t-`,
	]);
	t.true((await d.command('statedump')).includes(`service.state\tlater\tstart\t${when}\t-\t-\t-\t-\t-`));
	const up = await next(d, c, 'later', 'up', 5000);
	t.true(monotonicSeconds() >= when, 'the up event came before its time');
	t.true(Number(up.f[1]) >= when);
	// `early` has now run for more than a second: its UPTIME says so, live and at its end.
	const before = monotonicSeconds();
	const dumped = (await d.command('statedump')).find(line => stateRe('early', 'up').test(line)) ?? '';
	const uptime = Number(fields(dumped)[5]);
	t.true(
		uptime >= before - Number(early.f[1]) - 1 && uptime <= monotonicSeconds() - Number(early.f[1]),
		`UPTIME ${uptime}`,
	);
	d.send('service.signal\tearly\tTERM');
	const down = await next(d, c, 'early', 'down');
	const span = Number(down.f[1]) - Number(early.f[1]);
	t.true(span >= 1);
	t.true(Number(down.f[5]) === span || Number(down.f[5]) === span - 1, `UPTIME ${down.f[5]} over ${span} s`);
});

test('a pending start can be re-scheduled and cancelled; cancelling nothing is an error', async t => {
	const d = await startDaemon(t, []);
	const c: Cursors = new Map();
	await d.command(`service.args\tp\t${fixture('exit-with.sh')}`);
	const at = monotonicSeconds() + 100;
	t.deepEqual(await d.command(`service.start\tp\t${at}`), [`service.state\tp\tstart\t${at}\t-\t-\t-\t-\t-`]);
	t.deepEqual(await d.command(`service.start\tp\t${at + 50}`), [`service.state\tp\tstart\t${at + 50}\t-\t-\t-\t-\t-`]);
	t.deepEqual(await d.command('service.start\tp\t-'), ['service.state\tp\tdown\t-\t-\t-\t-\t-\t-']);
	t.deepEqual(await d.command('service.start\tp\t-'), [
		'error\tno service.start pending, for command "service.start\tp\t-"',
	]);
	// After a run, cancelling a new pending start forgets the old exit information too (§6.1).
	c.set('p', d.stdout.seen.length); // the events above were all read by d.command()
	d.send('service.start\tp');
	await next(d, c, 'p', 'down');
	await d.command(`service.start\tp\t${at}`);
	t.deepEqual(await d.command('service.start\tp\t-'), ['service.state\tp\tdown\t-\t-\t-\t-\t-\t-']);
	// The current whole second is accepted (our fix): it starts at once. (Retried if the second
	// changed while the command was on its way: then we cannot tell which second the daemon saw.)
	for (let attempt = 0; ; attempt++) {
		c.set('p', d.stdout.seen.length); // all of p's earlier events have been read
		const now = monotonicSeconds();
		const lines = await d.command(`service.start\tp\t${now}`);
		if (monotonicSeconds() !== now && attempt < 3) {
			if (lines.some(line => stateRe('p', 'start').test(line))) await next(d, c, 'p', 'down');
			continue;
		}
		t.true(lines.includes(`service.state\tp\tstart\t${now}\t-\t-\t-\t-\t-`), lines.join('\n'));
		break;
	}
	await next(d, c, 'p', 'up');
});

test('service.delete: never started, pending and exited services go; a running one stays', async t => {
	const d = await startDaemon(t, []);
	const c: Cursors = new Map();
	const deleted = (name: string): string => `service.state\t${name}\tdeleted\t-\t-\t-\t-\t-\t-`;
	await d.command('service.args\tidle\t/bin/true');
	t.deepEqual(await d.command('service.delete\tidle'), [deleted('idle')]);
	t.deepEqual(await d.command('service.delete\tidle'), ['error\tNo such service, for command "service.delete\tidle"']);

	await d.command(`service.args\tpending\t${fixture('exit-with.sh')}`);
	await d.command(`service.start\tpending\t${monotonicSeconds() + 100}`);
	t.deepEqual(await d.command('service.delete\tpending'), [deleted('pending')]);
	// Deleted before its fork: it never runs.
	await d.command(`service.args\tsoon\t${fixture('sleep-forever.sh')}`);
	d.sendRaw('service.start\tsoon\nservice.delete\tsoon\n');
	await d.command('statedump');
	t.false((await d.command('statedump')).some(line => line.includes('\tsoon\t')));
	t.false(d.stdout.seen.some(line => stateRe('soon', 'up').test(line)));

	await d.command(`service.args\texited\t${fixture('exit-with.sh')}\t3`);
	d.send('service.start\texited');
	await next(d, c, 'exited', 'down');
	await d.command('# drain what came before');
	t.deepEqual(await d.command('service.delete\texited'), [deleted('exited')]);

	await d.command(`service.args\trunning\t${fixture('sleep-forever.sh')}`);
	d.send('service.start\trunning');
	const up = await next(d, c, 'running', 'up');
	await d.command('# drain what came before');
	t.deepEqual(await d.command('service.delete\trunning'), [
		'error\tservice is running, for command "service.delete\trunning"',
	]);
	t.true(
		(await d.command('statedump')).some(line =>
			line.startsWith(`service.state\trunning\tup\t${up.f[1]}\t${up.f[2]}\t`),
		),
	);

	// A deleted name starts afresh.
	t.deepEqual(await d.command('service.tags\texited'), ['service.tags\texited\t']);
	t.deepEqual(
		(await d.command('statedump')).filter(line => line.includes('\texited\t')),
		[
			'service.state\texited\tdown\t-\t-\t-\t-\t-\t-',
			'service.tags\texited\t',
			'service.args\texited\t',
			'service.fds\texited\tnull\tnull\tnull',
			'service.auto_up\texited\t-',
		],
	);
});
