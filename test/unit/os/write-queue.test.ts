// Unit tests of src/os/write-queue.ts, FdStream's pure part: partial-write bookkeeping, merging of
// small chunks (never of messages), compaction, and a seeded property: whatever the chunk sizes
// and however much each "system call" takes, the bytes come out whole and in order, and
// pendingBytes always counts exactly what is left. The uv_poll glue around it is covered by
// test/integration/sys.test.ts. No addon, no fd.

import test from 'ava';
import fc from 'fast-check';
import { COALESCE_BYTES, WriteQueue } from '../../../src/os/write-queue.js';

const SEED = 20_260_207;
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const text = (data: Uint8Array): string => Buffer.from(data).toString('latin1');

test('a partial write leaves the rest at the head; pendingBytes counts it', t => {
	const queue = new WriteQueue({ merge: true });
	t.is(queue.pendingBytes, 0);
	t.throws(() => queue.head(), { message: 'WriteQueue: empty queue' });
	queue.push(bytes('hello world'));
	queue.consume(6);
	t.is(queue.pendingBytes, 5);
	t.is(text(queue.head()), 'world');
	queue.consume(5);
	t.is(queue.pendingBytes, 0);
	queue.push(bytes(''));
	t.is(queue.pendingBytes, 0, 'an empty chunk is not queued');
});

test('small chunks are merged into one write, from a partly sent head on', t => {
	const queue = new WriteQueue({ merge: true });
	for (const chunk of ['abc', 'def', 'ghi']) queue.push(bytes(chunk));
	queue.consume(1); // 'a' went out with an earlier call
	t.is(text(queue.head()), 'bcdefghi');
	queue.consume(4);
	t.is(text(queue.head()), 'fghi');
	queue.push(bytes('jk'));
	t.is(text(queue.head()), 'fghijk');
	t.is(queue.pendingBytes, 6);
});

test('merging stops at about COALESCE_BYTES; a big chunk goes out alone', t => {
	const queue = new WriteQueue({ merge: true });
	const big = Buffer.alloc(COALESCE_BYTES, 0x61);
	queue.push(big);
	queue.push(bytes('tail'));
	t.is(queue.head(), big, 'not copied');
	queue.consume(COALESCE_BYTES);
	t.is(text(queue.head()), 'tail');
	queue.consume(4);
	const half = COALESCE_BYTES / 2;
	for (let i = 0; i < 4; i++) queue.push(Buffer.alloc(half, 0x30 + i));
	const first = queue.head();
	t.is(first.length, COALESCE_BYTES, 'two halves, then the limit is reached');
	queue.consume(first.length);
	t.is(queue.head().length, COALESCE_BYTES);
});

test('messages are never merged: each head is one whole message', t => {
	const queue = new WriteQueue({ merge: false });
	for (const chunk of ['one', 'two', 'three']) queue.push(bytes(chunk));
	t.is(text(queue.head()), 'one');
	queue.consume(3);
	t.is(text(queue.head()), 'two');
	queue.consume(3);
	t.is(text(queue.head()), 'three');
	queue.consume(5);
	t.is(queue.pendingBytes, 0);
});

test('clear drops everything', t => {
	const queue = new WriteQueue({ merge: true });
	queue.push(bytes('abc'));
	queue.consume(1);
	queue.clear();
	t.is(queue.pendingBytes, 0);
	queue.push(bytes('xyz'));
	t.is(text(queue.head()), 'xyz', 'no offset left over');
});

test('many small messages sent one by one: order kept across compactions', t => {
	const queue = new WriteQueue({ merge: false });
	const count = 5000;
	for (let i = 0; i < count; i++) queue.push(bytes(`${i},`));
	let out = '';
	while (queue.pendingBytes > 0) {
		const head = queue.head();
		out += text(head);
		queue.consume(head.length);
	}
	t.is(out, Array.from({ length: count }, (_, i) => `${i},`).join(''));
});

test('property: bytes out = bytes in, in order, however the writes are cut', t => {
	const step = fc.oneof(
		{ weight: 3, arbitrary: fc.record({ push: fc.integer({ min: 0, max: (3 * COALESCE_BYTES) / 2 }) }) },
		{ weight: 3, arbitrary: fc.record({ send: fc.integer({ min: 0, max: 2 * COALESCE_BYTES }) }) },
		{ weight: 1, arbitrary: fc.record({ tiny: fc.integer({ min: 1, max: 40 }) }) },
	);
	fc.assert(
		fc.property(fc.boolean(), fc.array(step, { maxLength: 60 }), (merge, steps) => {
			const queue = new WriteQueue({ merge });
			const sent: Buffer[] = [];
			const pushed: Buffer[] = [];
			let next = 0;
			const make = (length: number): Buffer => {
				const chunk = Buffer.alloc(length);
				for (let i = 0; i < length; i++) chunk[i] = (next++ * 7) & 0xff;
				return chunk;
			};
			const send = (limit: number): void => {
				if (queue.pendingBytes === 0) return;
				const head = queue.head();
				const n = Math.min(limit, head.length);
				sent.push(Buffer.from(head.subarray(0, n)));
				queue.consume(n);
			};
			for (const s of steps) {
				if ('push' in s) {
					const chunk = make(s.push);
					pushed.push(chunk);
					queue.push(chunk);
				} else if ('tiny' in s) {
					for (let i = 0; i < s.tiny; i++) {
						const chunk = make(3);
						pushed.push(chunk);
						queue.push(chunk);
					}
				} else {
					send(s.send);
				}
				const total = (list: Buffer[]): number => list.reduce((sum, b) => sum + b.length, 0);
				if (queue.pendingBytes !== total(pushed) - total(sent)) return false;
			}
			while (queue.pendingBytes > 0) send(Number.MAX_SAFE_INTEGER);
			return Buffer.concat(sent).equals(Buffer.concat(pushed));
		}),
		{ seed: SEED, numRuns: 200 },
	);
	t.pass();
});
