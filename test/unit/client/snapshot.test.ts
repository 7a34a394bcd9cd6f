// Folding a statedump and later events into the client's picture of the daemon (spec §6, §8),
// and the status rows built from it.

import test from 'ava';
import { tsvRow } from '../../../src/dpctl/commands/status.js';
import { snapshotEvents } from '../../../src/dpctl/commands/watch.js';
import { formatEvent, parseEvent } from '../../../src/protocol/events.js';
import { applyEvent, snapshotFromLines } from '../../../src/client/snapshot.js';
import { parseDump, parseWhoami } from '../../../src/client/typed-commands.js';

const DUMP = [
	'fd.state\tnull\tspecial\tread,write\t/dev/null',
	'service.state\tflaky\tdown\t100\t77\texit\t1\t2\t5',
	'service.tags\tflaky\t',
	'service.args\tflaky\t/bin/false',
	'service.fds\tflaky\tnull\tnull\tnull',
	'service.auto_up\tflaky\t3\talways',
	'service.state\tweb\tup\t90\t42\t-\t-\t15\t-',
	'service.tags\tweb\tdemo',
	'service.args\tweb\t/bin/sleep\t100',
	'service.fds\tweb\tnull\tnull\tstderr',
	'service.auto_up\tweb\t-',
	'signal\tSIGHUP\t95\t2',
];

test('a statedump becomes services, handles and signals', t => {
	const snap = snapshotFromLines(DUMP);
	t.deepEqual([...snap.services.keys()], ['flaky', 'web']);
	const flaky = snap.services.get('flaky');
	t.like(flaky, {
		state: 'down',
		pid: null,
		lastPid: 77,
		exit: { reason: 'exit', value: '1' },
		autoUp: { interval: 3, triggers: ['always'] },
	});
	t.like(snap.services.get('web'), { state: 'up', pid: 42, uptime: 15, args: ['/bin/sleep', '100'], tags: ['demo'] });
	t.like(snap.handles.get('null'), { type: 'special', flags: 'read,write' });
	t.like(snap.signals.get('SIGHUP'), { count: 2 });
});

test('events update it: latest line wins, deletions remove', t => {
	const snap = snapshotFromLines(DUMP);
	const apply = (line: string): void => void applyEvent(snap, parseEvent(line) ?? { type: 'overflow' });
	apply('service.state\tweb\tdown\t120\t42\tsignal\tSIGTERM\t30\t0');
	t.like(snap.services.get('web'), { state: 'down', pid: null, exit: { reason: 'signal', value: 'SIGTERM' } });
	apply('service.auto_up\tflaky\t-');
	t.like(snap.services.get('flaky')?.autoUp, { interval: 3, triggers: [] });
	apply('service.state\tflaky\tdeleted\t-\t-\t-\t-\t-\t-');
	t.false(snap.services.has('flaky'));
	apply('fd.state\tnull\tdeleted');
	t.false(snap.handles.has('null'));
	apply('service.args\tnew\t/bin/true');
	t.like(snap.services.get('new'), { state: 'down', fds: ['null', 'null', 'null'] });
});

test('status TSV rows: stable columns, `-` for none', t => {
	const snap = snapshotFromLines(DUMP);
	t.is(tsvRow(snap.services.get('flaky') as never), 'flaky\tdown\t-\t-\t5\texit\t1\t3\talways\t-\t-\t-\t-');
	t.is(tsvRow(snap.services.get('web') as never), 'web\tup\t42\t15\t-\t-\t-\t0\t-\t-\t-\t-\t-');
	applyEvent(snap, { type: 'service.mode', name: 'flaky', held: true, enabled: false });
	t.is(
		tsvRow(snap.services.get('flaky') as never),
		'flaky\tdown\t-\t-\t5\texit\t1\t3\talways\t-\t-\t-\tstopped,disabled',
	);
});

test('a snapshot turns back into the statedump it came from', t => {
	const snap = snapshotFromLines(DUMP);
	t.deepEqual(snapshotEvents(snap).map(formatEvent), DUMP);
});

test('parseDump takes the sequence number from statedump.end (design §3)', t => {
	const dump = parseDump([...DUMP, 'statedump.end\t41']);
	t.is(dump.snapshot.seq, 41);
	t.is(dump.lines.length, DUMP.length);
	t.is(parseDump(DUMP).snapshot.seq, null);
});

test('conn.whoami: CONN PID UID GID ROLE', t => {
	t.deepEqual(parseWhoami(['conn.whoami\t3\t4711\t1000\t100\toperator']), {
		conn: 3,
		pid: 4711,
		uid: 1000,
		gid: 100,
		role: 'operator',
		fields: ['3', '4711', '1000', '100', 'operator'],
	});
	t.like(parseWhoami([]), { conn: null, role: null });
});

test('a service.status line fills the status, and the TSV row shows ready, restarts and failed', t => {
	const snap = snapshotFromLines([
		...DUMP,
		'service.status\tweb\tready=yes\trestarts=3\tfailed=no\tlastExit=exit:1\tkilled=-\tstatus=serving',
	]);
	t.like(snap.services.get('web')?.status, { ready: true, restarts: 3, lastExit: { reason: 'exit', value: '1' } });
	t.is(tsvRow(snap.services.get('web') as never), 'web\tup\t42\t15\t-\t-\t-\t0\t-\tyes\t3\tno\t-');
	t.is(snap.services.get('flaky')?.status, null);
});
