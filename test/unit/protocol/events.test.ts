// Unit tests of src/protocol/events.ts: spec §6 event lines, with §7/§8 transcripts as fixtures.
// Every event kind must round-trip: format(parse(line)) === line.
// Must never spawn a process or open a socket.

import test from 'ava';
import {
	eventSubject,
	eventTopic,
	formatEvent,
	parseEvent,
	type DaemonEvent,
	type EventTopic,
} from '../../../src/protocol/events.js';

const OBSERVED = [
	'service.state\tweb\tstart\t1969\t-\t-\t-\t-\t-',
	'service.state\tweb\tup\t1969\t13875\t-\t-\t0\t-',
	'service.state\tweb\tdown\t1970\t13875\texit\t0\t1\t0',
	'service.state\tbar\tdown\t284\t10277\tsignal\tSIGKILL\t1\t0',
	'service.state\tbar\tdown\t-\t-\t-\t-\t-\t-',
	'service.state\tbar\tdeleted\t-\t-\t-\t-\t-\t-',
	'service.state\tx\tup\t5\t0\t-\t-\t3\t-',
	'service.state\tx\tdown\t5\t7\tsignal\tSIG-?\t0\t0',
	'service.args\tweb\t/bin/sleep\t1',
	'service.args\tfoo\t',
	'service.fds\ts1\tnull\tnope\t-\tstderr',
	'service.fds\tweb\tnull\tnull\tnull',
	'service.fds\tweb\t',
	'service.tags\tweb\towner=ops\tprio=2',
	'service.tags\tweb\t',
	'service.auto_up\tfoo\t3\tSIGUSR1\tHUP',
	'service.auto_up\tfoo\t-',
	'service.auto_up\tfoo\t5\t\tfoo',
	'fd.state\tp.r\tpipe\tfrom\tp.w',
	'fd.state\ts.a\tpipe\tunix,dgram,nonblock,to\ts.b',
	'fd.state\tf1\tfile\tread,write,append,create,nonblock,mkdir\ta/b/c/out.txt',
	'fd.state\ts1\tsocket\tunix,stream\t',
	'fd.state\tnull\tspecial\tread,write\t/dev/null',
	'fd.state\tcfg\tdeleted',
	'signal\tSIGUSR1\t1027\t2',
	'overflow',
];

test('§6: observed event lines round-trip', t => {
	for (const line of OBSERVED) {
		const e = parseEvent(line);
		t.not(e, null, line);
		if (e !== null) {
			t.is(formatEvent(e), line);
		}
	}
});

test('§6.1: service.state fields', t => {
	t.deepEqual(parseEvent('service.state\tweb\tdown\t1970\t13875\texit\t0\t1\t0'), {
		type: 'service.state',
		name: 'web',
		state: 'down',
		ts: 1970,
		pid: 13875,
		reason: 'exit',
		value: '0',
		uptime: 1,
		downtime: 0,
	});
	t.deepEqual(parseEvent('service.state\tweb\tstart\t100000000\t-\t-\t-\t-\t-'), {
		type: 'service.state',
		name: 'web',
		state: 'start',
		ts: 100000000,
		pid: null,
		reason: null,
		value: null,
		uptime: null,
		downtime: null,
	});
});

test('§6.2–§6.4: an empty list is the trailing-TAB form', t => {
	t.deepEqual(parseEvent('service.args\tfoo\t'), { type: 'service.args', name: 'foo', args: [] });
	t.is(formatEvent({ type: 'service.args', name: 'foo', args: [] }), 'service.args\tfoo\t');
	t.is(formatEvent({ type: 'service.fds', name: 'a', fds: [] }), 'service.fds\ta\t');
	t.is(formatEvent({ type: 'service.tags', name: 'a', tags: [] }), 'service.tags\ta\t');
	t.deepEqual(parseEvent('service.tags\tweb\t\t'), { type: 'service.tags', name: 'web', tags: ['', ''] });
});

test('§6.5: auto_up uses the - form whenever there are no triggers', t => {
	t.is(formatEvent({ type: 'service.auto_up', name: 'foo', interval: 5, triggers: [] }), 'service.auto_up\tfoo\t-');
	t.is(formatEvent({ type: 'service.auto_up', name: 'foo', interval: 5, triggers: [''] }), 'service.auto_up\tfoo\t-');
	t.is(
		formatEvent({ type: 'service.auto_up', name: 'foo', interval: 3, triggers: ['SIGUSR2'] }),
		'service.auto_up\tfoo\t3\tSIGUSR2',
	);
	t.deepEqual(parseEvent('service.auto_up\tfoo\t3\tSIGUSR1\tHUP'), {
		type: 'service.auto_up',
		name: 'foo',
		interval: 3,
		triggers: ['SIGUSR1', 'HUP'],
	});
	t.deepEqual(parseEvent('service.auto_up\tfoo\t-'), {
		type: 'service.auto_up',
		name: 'foo',
		interval: 0,
		triggers: [],
	});
});

test('§6.6: fd.state and its deleted form', t => {
	t.deepEqual(parseEvent('fd.state\tp.r\tpipe\tfrom\tp.w'), {
		type: 'fd.state',
		name: 'p.r',
		fdType: 'pipe',
		flags: 'from',
		description: 'p.w',
	});
	t.deepEqual(parseEvent('fd.state\tq.r\tdeleted'), { type: 'fd.deleted', name: 'q.r' });
	t.is(formatEvent({ type: 'fd.deleted', name: 'q.r' }), 'fd.state\tq.r\tdeleted');
});

test('§6.7: signal', t => {
	t.deepEqual(parseEvent('signal\tSIGHUP\t1028\t1'), { type: 'signal', signal: 'SIGHUP', ts: 1028, count: 1 });
});

test('lines that are not events parse to null', t => {
	for (const line of [
		'',
		'hello',
		'hello\tworld',
		'error\tNo such service, for command "x"',
		'error\tline too long',
		'warning: fd "x" is not yet defined',
		'warning\tfd "x" does not exist',
		'info\tdaemonproxy version 1.1.0',
		'log.filter\tdebug',
		':r1\tok',
		'overflow\t',
		'Overflow',
		'service.state',
		'service.start\tweb',
		'service.state\tweb\tup\t1\t2\t-\t-\t0',
		'service.state\tweb\tup\t1\t2\t-\t-\t0\t-\t',
		'service.state\tweb\trunning\t1\t2\t-\t-\t0\t-',
		'service.state\tweb\tdown\t1\t2\tkilled\t9\t0\t0',
		'service.state\tweb\tup\t01\t2\t-\t-\t0\t-',
		'service.state\tweb\tup\t-0\t2\t-\t-\t0\t-',
		'service.state\tweb\tup\t+1\t2\t-\t-\t0\t-',
		'service.state\tweb\tup\t\t2\t-\t-\t0\t-',
		'service.args\tweb',
		'service.auto_up\tfoo\t5',
		'service.auto_up\tfoo\t5\t',
		'service.auto_up\tfoo\tx\tHUP',
		'fd.state\tx\tpipe\tfrom',
		'fd.state\tx\tfifo\tfrom\ty',
		'fd.state\tx\tdeleted\t',
		'fd.state\tx',
		'signal\tSIGHUP\t1',
		'signal\tSIGHUP\t1\tx',
		'signal\tSIGHUP\t1\t2\t3',
	]) {
		t.is(parseEvent(line), null, JSON.stringify(line));
	}
});

test('topics and subjects', t => {
	const cases: Array<[DaemonEvent, EventTopic, string | undefined]> = [
		[{ type: 'service.args', name: 'web', args: [] }, 'service.args', 'web'],
		[{ type: 'fd.deleted', name: 'p.r' }, 'fd.state', 'p.r'],
		[
			{ type: 'fd.state', name: 'null', fdType: 'special', flags: 'read,write', description: '/dev/null' },
			'fd.state',
			'null',
		],
		[{ type: 'signal', signal: 'SIGHUP', ts: 1, count: 1 }, 'signal', 'SIGHUP'],
		[{ type: 'overflow' }, 'overflow', undefined],
	];
	for (const [e, topic, subject] of cases) {
		t.is(eventTopic(e), topic);
		t.is(eventSubject(e), subject);
	}
});
