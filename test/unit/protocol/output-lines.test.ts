// Unit tests of src/protocol/output-lines.ts: each line round-trips; anything else parses as null.

import test from 'ava';
import {
	formatOutputGap,
	formatOutputLine,
	formatOutputMark,
	parseOutputGap,
	parseOutputLine,
	parseOutputMark,
	type OutputLine,
} from '../../../src/protocol/output-lines.js';

test('output lines, marks and gaps round-trip', t => {
	const line: OutputLine = { service: 'web', seq: 42, timeMs: 1_796_326_438_300, stream: 'stderr', text: 'a\\tb' };
	t.is(formatOutputLine(line), 'output\tweb\t42\t1796326438300\tstderr\ta\\tb');
	t.deepEqual(parseOutputLine(formatOutputLine(line)), line);
	const mark = { kind: 'live', service: 'web', newest: 7, streamId: '0123456789abcdef' } as const;
	t.is(formatOutputMark(mark), 'output.live\tweb\t7\t0123456789abcdef');
	t.deepEqual(parseOutputMark(formatOutputMark(mark)), mark);
	t.deepEqual(parseOutputMark('output.tail\tweb\t0\tx'), { kind: 'tail', service: 'web', newest: 0, streamId: 'x' });
	t.deepEqual(parseOutputGap(formatOutputGap('web', 3, 10)), { service: 'web', after: 3, oldest: 10 });
});

test('other lines are not output lines', t => {
	for (const wire of [
		'output\tweb\t1\t2\tstdin\ttext',
		'output\tweb\tx\t2\tstdout\ttext',
		'output\tweb\t1\t2\tstdout',
		'output\tweb\t1\t2\tstdout\ta\tb',
		'service.state\tweb\tup',
		'',
	])
		t.is(parseOutputLine(wire), null, JSON.stringify(wire));
	t.is(parseOutputMark('output.gap\tweb\t1\t2'), null);
	t.is(parseOutputGap('output.live\tweb\t1\tx'), null);
});
