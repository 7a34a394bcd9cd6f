// Unit tests of src/server/socket-slots.ts: the total, the cap per uid and the slots kept for
// admins (issue 12: an observer's idle connections locked out root). No process, no socket.

import test from 'ava';
import { SocketSlots } from '../../../src/server/socket-slots.js';

const OBSERVER = 65534;
const ROOT = 0;

function fill(slots: SocketSlots, uid: number, count: number): void {
	for (let i = 0; i < count; i++) {
		if (slots.check(uid, uid === ROOT) !== null) throw new Error(`slot ${i} of uid ${uid} refused`);
		slots.take(uid);
	}
}

test('one uid below admin gets at most perUid slots; others still get theirs', t => {
	const slots = new SocketSlots({ max: 256, perUid: 32, adminReserve: 16 });
	fill(slots, OBSERVER, 32);
	t.deepEqual(slots.check(OBSERVER, false), { limit: 'per-uid', count: 32, uid: OBSERVER });
	t.is(slots.check(1000, false), null);
	t.is(slots.check(ROOT, true), null);
	slots.release(OBSERVER);
	t.is(slots.check(OBSERVER, false), null);
	t.is(slots.countOf(OBSERVER), 31);
});

test('the last adminReserve slots are for admins only, and admins have no cap per uid', t => {
	const slots = new SocketSlots({ max: 10, perUid: 4, adminReserve: 3 });
	fill(slots, 1, 4);
	fill(slots, 2, 3);
	t.deepEqual(slots.check(3, false), { limit: 'shared', count: 7 });
	fill(slots, ROOT, 3);
	t.deepEqual(slots.check(ROOT, true), { limit: 'total', count: 10 });
	t.deepEqual(slots.check(3, false), { limit: 'total', count: 10 });
	t.is(slots.size, 10);
});

test('a refusal changes nothing; release of a uid without slots is a no-op; memory per uid', t => {
	const slots = new SocketSlots({ max: 2, perUid: 1, adminReserve: 0 });
	fill(slots, 5, 1);
	t.not(slots.check(5, false), null);
	t.is(slots.size, 1);
	slots.release(6);
	t.is(slots.size, 1);
	slots.release(5);
	t.is(slots.size, 0);
	t.is(slots.countOf(5), 0);
});

test('adminReserve at or above max: only admins connect', t => {
	const slots = new SocketSlots({ max: 4, perUid: 4, adminReserve: 8 });
	t.deepEqual(slots.check(OBSERVER, false), { limit: 'shared', count: 0 });
	t.is(slots.check(ROOT, true), null);
});
