// Unit tests of src/supervisor/output-ring.ts and output-book.ts: numbering across runs, the
// bound, lookups by number, resizing, the lines kept at exit, and settings per service.

import test from 'ava';
import { EXIT_LINES, OutputBook } from '../../../src/supervisor/output-book.js';
import { OutputRing } from '../../../src/supervisor/output-ring.js';

test('a ring keeps the newest lines, numbered from 1 without gaps', t => {
	const ring = new OutputRing('web', 3);
	t.is(ring.newestSeq, 0);
	t.is(ring.oldestSeq, 1);
	t.deepEqual(ring.last(5), []);
	for (const text of ['a', 'b', 'c', 'd', 'e']) ring.push('stdout', 1000, text);
	t.is(ring.newestSeq, 5);
	t.is(ring.oldestSeq, 3);
	t.deepEqual(
		ring.last(10).map(line => `${line.seq} ${line.text}`),
		['3 c', '4 d', '5 e'],
	);
	t.deepEqual(
		ring.last(1).map(line => line.text),
		['e'],
	);
	t.is(ring.get(2), undefined, 'dropped');
	t.is(ring.get(4)?.text, 'd');
	t.is(ring.get(6), undefined, 'not yet');
	t.like(ring.get(5), { service: 'web', seq: 5, timeMs: 1000, stream: 'stdout' });
});

test('resizing keeps the newest lines that fit, and the numbering', t => {
	const ring = new OutputRing('web', 4);
	for (const text of ['a', 'b', 'c', 'd']) ring.push('stderr', 0, text);
	ring.resize(2);
	t.deepEqual(
		ring.last(9).map(line => line.text),
		['c', 'd'],
	);
	ring.resize(5);
	ring.push('stdout', 0, 'e');
	t.deepEqual(
		ring.last(9).map(line => `${line.seq} ${line.text}`),
		['3 c', '4 d', '5 e'],
	);
	t.is(ring.capacity, 5);
});

test('the book: rings per service with their own size or the default; forward targets; forget', t => {
	const book = new OutputBook();
	book.defaultLines = 2;
	book.append('web', 'stdout', 5, ['1', '2', '3']);
	t.deepEqual(
		book
			.ring('web')
			?.last(9)
			.map(line => line.text),
		['2', '3'],
	);
	book.setRingLines('db', 4);
	book.append('db', 'stdout', 5, ['1', '2', '3']);
	book.defaultLines = 1;
	t.is(book.ring('web')?.capacity, 1, 'follows the default');
	t.is(book.ring('db')?.capacity, 4, 'keeps its own');
	book.setRingLines('db', null);
	t.is(book.ring('db')?.capacity, 1, 'back to the default');
	book.setForward('web', [{ handle: 'log.w', prefix: false }]);
	t.deepEqual(book.forwardTargets('web'), [{ handle: 'log.w', prefix: false }]);
	book.forget('web');
	t.is(book.ring('web'), undefined);
	t.deepEqual(book.forwardTargets('web'), []);
});

test('markExit keeps the newest lines with the down record until the next exit', t => {
	const book = new OutputBook();
	book.append(
		'web',
		'stdout',
		0,
		Array.from({ length: EXIT_LINES + 5 }, (_, i) => `line ${i + 1}`),
	);
	t.deepEqual(book.exitLines('web'), []);
	book.markExit('web');
	const kept = book.exitLines('web');
	t.is(kept.length, EXIT_LINES);
	t.is(kept.at(-1)?.text, `line ${EXIT_LINES + 5}`);
	book.append('web', 'stdout', 0, ['after the restart']);
	t.is(book.exitLines('web').at(-1)?.text, `line ${EXIT_LINES + 5}`, 'a new run does not change it');
	book.markExit('nothing-captured');
	t.deepEqual(book.exitLines('nothing-captured'), []);
});
