// Unit tests of src/server/event-ring.ts: design §3 gap-free numbering, bounded retention,
// resumability and the shared encodings. Must never open a socket.

import test from 'ava';
import { EventRing } from '../../../src/server/event-ring.js';

test('numbers start at 1 and have no gaps', t => {
	const ring = new EventRing(4);
	t.is(ring.newestSeq, 0);
	t.is(ring.oldestSeq, 1);
	t.true(ring.canResumeAfter(0));
	const seqs = Array.from({ length: 6 }, (_, i) => ring.publish('signal', 'SIGHUP', `line ${i}`).seq);
	t.deepEqual(seqs, [1, 2, 3, 4, 5, 6]);
	t.is(ring.newestSeq, 6);
});

test('the ring keeps the newest `capacity` events', t => {
	const ring = new EventRing(3);
	for (let i = 1; i <= 5; i++) ring.publish('fd.state', `h${i}`, `fd.state\th${i}\tdeleted`);
	t.is(ring.oldestSeq, 3);
	t.is(ring.get(2), undefined);
	t.is(ring.get(3)?.subject, 'h3');
	t.is(ring.get(5)?.line, 'fd.state\th5\tdeleted');
	t.is(ring.get(6), undefined);
	t.is(ring.get(0), undefined);
	t.is(ring.get(-1), undefined);
	t.is(ring.get(3.5), undefined);
	t.false(ring.canResumeAfter(1), 'event 2 is gone');
	t.true(ring.canResumeAfter(2));
	t.true(ring.canResumeAfter(5));
	t.false(ring.canResumeAfter(6), 'a number from the future');
	t.false(ring.canResumeAfter(Number.NaN));
});

test('capacity 0 numbers events but retains none', t => {
	const ring = new EventRing(0);
	ring.publish('signal', 'SIGHUP', 'x');
	ring.publish('signal', 'SIGHUP', 'y');
	t.is(ring.newestSeq, 2);
	t.is(ring.oldestSeq, 3);
	t.is(ring.get(2), undefined);
	t.true(ring.canResumeAfter(2));
	t.false(ring.canResumeAfter(1));
});

test('each event is encoded once per form', t => {
	const ring = new EventRing(2);
	const event = ring.publish('service.state', 'web', 'service.state\tweb\tdown\t-\t-\t-\t-\t-\t-');
	t.is(event.plain.toString('latin1'), 'service.state\tweb\tdown\t-\t-\t-\t-\t-\t-\n');
	t.is(event.sequencedLine, '@1\tservice.state\tweb\tdown\t-\t-\t-\t-\t-\t-');
	t.is(event.sequenced.toString('latin1'), '@1\tservice.state\tweb\tdown\t-\t-\t-\t-\t-\t-\n');
	t.is(event.sequenced, event.sequenced, 'cached');
	t.is(ring.get(1), event);
	const latin1 = ring.publish('service.args', 'x', 'service.args\tx\t\xff\x80');
	t.deepEqual([...latin1.plain], [...Buffer.from('service.args\tx\t', 'latin1'), 0xff, 0x80, 0x0a]);
});

test('a bad capacity is a programmer error', t => {
	t.throws(() => new EventRing(-1), { instanceOf: RangeError });
	t.throws(() => new EventRing(1.5), { instanceOf: RangeError });
});
