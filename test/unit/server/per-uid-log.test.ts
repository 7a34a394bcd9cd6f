// Unit tests of src/server/per-uid-log.ts (issue 12: 157,000 refusals in 8 s wrote 13.5 MB of
// log): one line per uid per interval, a count of the rest, bounded memory. Fake clock only.

import test from 'ava';
import { PerUidLog } from '../../../src/server/per-uid-log.js';
import { FakeClock } from '../helpers/fake-clock.js';

function setup(maxUids = 4) {
	const clock = new FakeClock();
	const lines: string[] = [];
	const log = new PerUidLog(text => lines.push(text), clock, { intervalMs: 10_000, maxUids });
	return { clock, lines, log };
}

test('a flood of one uid: its first refusal at once, the count when the interval ends', t => {
	const { clock, lines, log } = setup();
	for (let i = 0; i < 157_000; i++) log.note(65534, `refused ${i}`);
	t.deepEqual(lines, ['refused 0']);
	clock.advance(9_999);
	t.is(lines.length, 1);
	clock.advance(1);
	t.deepEqual(lines, ['refused 0', '156999 more refusals of uid 65534 in the last 10 s were not logged']);
	t.is(log.tracked, 0);
	t.is(clock.pending, 0, 'no timer while quiet');
	log.note(65534, 'again');
	t.is(lines.at(-1), 'again');
});

test('uids are counted apart; a uid refused once gets no summary', t => {
	const { clock, lines, log } = setup();
	log.note(1, 'a');
	log.note(2, 'b');
	log.note(2, 'b2');
	log.note(1, 'a2');
	log.note(1, 'a3');
	log.note(3, 'c');
	clock.advance(10_000);
	t.deepEqual(lines, [
		'a',
		'b',
		'c',
		'2 more refusals of uid 1 in the last 10 s were not logged',
		'1 more refusals of uid 2 in the last 10 s were not logged',
	]);
});

test('memory is bounded: uids beyond maxUids share one line and one count', t => {
	const { clock, lines, log } = setup(4);
	for (let uid = 100; uid < 100_100; uid++) log.note(uid, `uid ${uid}`);
	t.is(log.tracked, 5);
	t.deepEqual(lines, [
		'uid 100',
		'uid 101',
		'uid 102',
		'uid 103',
		'uid 104 (and refusals of more uids, logged as one)',
	]);
	clock.advance(10_000);
	t.is(lines.at(-1), '99995 more refusals of other uids in the last 10 s were not logged');
	t.is(log.tracked, 0);
});

test('flush logs what is held back at once (daemon exit)', t => {
	const { clock, lines, log } = setup();
	log.note(7, 'x');
	log.note(7, 'x');
	log.flush();
	t.deepEqual(lines, ['x', '1 more refusals of uid 7 in the last 10 s were not logged']);
	t.is(clock.pending, 0);
});
