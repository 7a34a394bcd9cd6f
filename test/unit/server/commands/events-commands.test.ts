// Unit tests of src/server/commands/events-commands.ts: subscriptions (all or nothing, audit by
// admins only), sequence numbers, and events.resume over the ring — the replay, its catching up
// with events published meanwhile, and the gap when numbers are gone or from another run.
// A failed command changes nothing.

import test from 'ava';
import { eventsCommands } from '../../../../src/server/commands/events-commands.js';
import { FakeCommandHost } from '../../helpers/fake-command-host.js';

function setup() {
	const host = new FakeCommandHost(eventsCommands);
	return { host, conn: host.connect('admin') };
}

const err = (message: string, line: string): string[] => [
	`error\t${message}, for command "${line.length <= 30 ? line : `${line.slice(0, 30)}...`}"`,
];

test('events.subscribe: patterns compiled first, then added; a bad one changes nothing', t => {
	const { conn } = setup();
	const { subscriptions } = conn.controller;
	t.deepEqual(conn.send('events.subscribe'), err('expected pattern', 'events.subscribe'));
	t.deepEqual(conn.send('events.subscribe\t'), err('expected pattern', 'events.subscribe\t'));
	t.deepEqual(
		conn.send('events.subscribe\tservice.state:web\t:bad'),
		err('invalid pattern ":bad"', 'events.subscribe\tservice.state:web\t:bad'),
	);
	t.deepEqual(subscriptions.sources, ['*']);
	t.deepEqual(conn.send('events.subscribe\tservice.state:web\t*'), []);
	t.deepEqual(subscriptions.sources, ['*', 'service.state:web'], 'a pattern held already is not added twice');
	const many = Array.from({ length: 64 }, (_, i) => `t${i}`).join('\t');
	t.deepEqual(conn.send(`events.subscribe\t${many}`), err('too many patterns (limit 64)', `events.subscribe\t${many}`));
	t.is(subscriptions.sources.length, 2);
});

test('events.subscribe: audit events are for admins only', t => {
	const { host } = setup();
	const operator = host.connect('operator');
	t.deepEqual(
		operator.send('events.subscribe\taudit'),
		err('permission denied (role operator)', 'events.subscribe\taudit'),
	);
	t.deepEqual(
		operator.send('events.subscribe\taudit:service.*'),
		err('permission denied (role operator)', 'events.subscribe\taudit:service.*'),
	);
	t.deepEqual(operator.send('events.subscribe\tau*'), [], 'a glob is allowed: it never matches audit');
	// The other topics that must be named (service.mode, service.killed) are for every role.
	t.deepEqual(operator.send('events.subscribe\tservice.mode\tservice.killed:web'), []);
	t.true(operator.controller.wants('service.killed', 'web'));
	t.false(operator.controller.wants('audit', 'service.start'));
	const admin = host.connect('admin');
	t.deepEqual(admin.send('events.subscribe\taudit'), []);
	t.true(admin.controller.wants('audit', 'service.start'));
});

test('events.unsubscribe: by exact text; none given clears everything', t => {
	const { conn } = setup();
	const { subscriptions } = conn.controller;
	conn.send('events.subscribe\tsignal\tfd.*');
	t.deepEqual(conn.send('events.unsubscribe\t*\t:bad'), err('invalid pattern ":bad"', 'events.unsubscribe\t*\t:bad'));
	t.deepEqual(subscriptions.sources, ['*', 'signal', 'fd.*']);
	t.deepEqual(conn.send('events.unsubscribe\t*\tnot-held'), []);
	t.deepEqual(subscriptions.sources, ['signal', 'fd.*']);
	t.deepEqual(conn.send('events.unsubscribe'), []);
	t.deepEqual(subscriptions.sources, []);
});

test('events.seq: on answers the newest number and the stream id; off; anything else is an error', t => {
	const { host, conn } = setup();
	host.events.publish('signal', 'SIGHUP', 'signal\tSIGHUP\t1\t1');
	t.deepEqual(conn.send('events.seq\ton'), ['events.seq\ton\t1\tfakestream']);
	t.true(conn.controller.delivery.seqMode);
	t.deepEqual(conn.send('events.seq\tyes'), err('expected on or off', 'events.seq\tyes'));
	t.true(conn.controller.delivery.seqMode);
	t.deepEqual(conn.send('events.seq\toff'), ['events.seq\toff']);
	t.false(conn.controller.delivery.seqMode);
});

test('events.resume: the retained events after N that match, then events.live; seq mode on', t => {
	const { host, conn } = setup();
	conn.send('events.subscribe\tsignal');
	conn.send('events.unsubscribe\t*');
	for (let i = 1; i <= 4; i++) host.events.publish(i % 2 ? 'signal' : 'fd.state', `s${i}`, `line ${i}`);
	t.deepEqual(conn.send('events.resume\t1'), ['@3\tline 3', 'events.live\t4']);
	t.true(conn.controller.delivery.seqMode);
	t.false(conn.controller.delivery.liveHeld);
	t.deepEqual(conn.send(':r\tevents.resume\t4\tfakestream'), [':r\tevents.live\t4', ':r\tok']);
});

test('events.resume: live events wait during the replay, and the replay catches up with them', t => {
	const { host } = setup();
	// Nothing fits the peer's buffer: the replay is pulled one line per drain.
	const conn = host.connect('admin', { room: 0, limits: { highWaterBytes: 0, eventLimitBytes: 1024 } });
	host.events.publish('signal', 'SIGHUP', 'line 1');
	conn.stream.type('events.resume\t0\n');
	t.true(conn.controller.delivery.liveHeld, 'live events wait in the ring');
	t.false(conn.controller.wants('signal', 'SIGHUP'));
	host.events.publish('signal', 'SIGHUP', 'line 2');
	t.deepEqual(conn.stream.readLines(), ['@1\tline 1', '@2\tline 2', 'events.live\t2']);
	t.false(conn.controller.delivery.liveHeld);
	t.true(conn.controller.wants('signal', 'SIGHUP'));
});

test('events.resume: falling out of the ring half-way ends the replay with a gap', t => {
	const { host } = setup();
	const conn = host.connect('admin', { room: 0, limits: { highWaterBytes: 0, eventLimitBytes: 1024 } });
	for (let i = 1; i <= 3; i++) host.events.publish('signal', 'SIGHUP', `line ${i}`);
	conn.stream.type('events.resume\t0\n');
	for (let i = 4; i <= 30; i++) host.events.publish('signal', 'SIGHUP', `line ${i}`); // the ring keeps 16
	t.deepEqual(conn.stream.readLines(), ['@1\tline 1', 'events.gap\t15\t30']);
	t.false(conn.controller.delivery.liveHeld);
});

test('events.resume: a gap when the numbers are gone, from another run, or in the future', t => {
	const { host, conn } = setup();
	for (let i = 1; i <= 20; i++) host.events.publish('signal', 'SIGHUP', `line ${i}`); // the ring keeps 16
	t.deepEqual(conn.send('events.resume\t2'), ['events.gap\t5\t20']);
	t.deepEqual(conn.send('events.resume\t4'), [
		'@5\tline 5',
		...Array.from({ length: 15 }, (_, i) => `@${i + 6}\tline ${i + 6}`),
		'events.live\t20',
	]);
	t.deepEqual(conn.send('events.resume\t20\totherrun'), ['events.gap\t5\t20']);
	t.deepEqual(conn.send('events.resume\t21'), ['events.gap\t5\t20']);
	t.true(conn.controller.delivery.seqMode, 'a gap turns seq mode on too');
});

test('events.resume: an invalid number is an error and changes nothing', t => {
	const { conn } = setup();
	for (const seq of ['', '-1', 'x', '9007199254740992']) {
		t.deepEqual(conn.send(`events.resume\t${seq}`), err('invalid sequence number', `events.resume\t${seq}`), seq);
	}
	t.deepEqual(conn.send('events.resume'), err('invalid sequence number', 'events.resume'));
	t.false(conn.controller.delivery.seqMode);
});
