// The service.tree reply line and the service.leftover event: format and parse round-trip, and
// what a parser makes of lines that are not theirs.

import test from 'ava';
import { formatEvent, parseEvent } from '../../../src/protocol/events.js';
import { formatTreeLine, parseTreeLine } from '../../../src/protocol/tree-lines.js';

test('service.tree: every field, `-` for unknown', t => {
	const full = {
		name: 'web',
		cgroup: '/sys/fs/cgroup/dp/services/web',
		cpuUsec: 1234,
		memoryBytes: 4096,
		pids: [7, 9],
	};
	t.is(formatTreeLine(full), 'service.tree\tweb\t/sys/fs/cgroup/dp/services/web\t1234\t4096\t7\t9');
	t.deepEqual(parseTreeLine(formatTreeLine(full)), full);
	const bare = { name: 'db', cgroup: null, cpuUsec: null, memoryBytes: null, pids: [] };
	t.is(formatTreeLine(bare), 'service.tree\tdb\t-\t-\t-');
	t.deepEqual(parseTreeLine(formatTreeLine(bare)), bare);
	t.is(parseTreeLine('service.state\tdb\tup'), null);
});

test('service.leftover: round-trips; a bad action or pid is no event', t => {
	const line = 'service.leftover\tweb\tkill\t42\t43';
	t.deepEqual(parseEvent(line), { type: 'service.leftover', name: 'web', action: 'kill', pids: [42, 43] });
	t.is(formatEvent(parseEvent(line) ?? { type: 'overflow' }), line);
	for (const bad of [
		'service.leftover\tweb\tnuke\t42',
		'service.leftover\tweb\tkill',
		'service.leftover\tweb\tleave\t0',
		'service.leftover\tweb\tstop\tx',
	])
		t.is(parseEvent(bad), null, bad);
});
