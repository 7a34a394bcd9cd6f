// Seeded property tests of the protocol codec (style.md "Tests"): no input, however broken,
// throws from the parsers; the line splitter stays bounded and agrees with a reference model;
// events round-trip. Must never spawn a process or open a socket; the seed keeps runs repeatable.

import test from 'ava';
import fc from 'fast-check';
import { LineSplitter, MAX_LINE_BYTES, type SplitItem } from '../../../src/protocol/line-splitter.js';
import { formatEvent, parseEvent, type DaemonEvent } from '../../../src/protocol/events.js';
import { parseRequestTag } from '../../../src/protocol/request-tag.js';
import { splitFields } from '../../../src/protocol/fields.js';
import { compilePattern, matches } from '../../../src/protocol/patterns.js';

const SEED = 20_260_124;
const RUNS = 300;

/** Bytes biased towards LF, '#' and TAB so that framing edge cases are frequent. */
const byte = fc.oneof(
	{ weight: 6, arbitrary: fc.integer({ min: 0, max: 255 }) },
	{ weight: 1, arbitrary: fc.constantFrom(0x0a, 0x23, 0x09, 0x0d) },
);

/** Lines with lengths clustered around the limit, then terminated or not. */
function linesArb(max: number): fc.Arbitrary<Uint8Array> {
	const len = fc.oneof(
		fc.integer({ min: 0, max: 4 }),
		fc.integer({ min: max - 2, max: max + 2 }),
		fc.integer({ min: 0, max: 3 * max }),
	);
	const line = fc.record({ len, hash: fc.boolean(), lf: fc.boolean(), fill: fc.integer({ min: 0x20, max: 0xff }) });
	return fc.array(line, { maxLength: 8 }).map(ls => {
		const parts: number[] = [];
		for (const l of ls) {
			for (let i = 0; i < l.len; i++) {
				parts.push(i === 0 && l.hash ? 0x23 : l.fill === 0x0a ? 0x41 : l.fill);
			}
			if (l.lf) {
				parts.push(0x0a);
			}
		}
		return Uint8Array.from(parts);
	});
}

/** Cuts data at random positions. */
function chunksArb(data: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array[]> {
	return data.chain(d =>
		fc.uniqueArray(fc.integer({ min: 0, max: d.length }), { maxLength: 12 }).map(cuts => {
			const points = [0, ...cuts.sort((a, b) => a - b), d.length];
			const out: Uint8Array[] = [];
			for (let i = 1; i < points.length; i++) {
				out.push(d.subarray(points[i - 1], points[i]));
			}
			return out;
		}),
	);
}

/** Reference model of spec §2.2 over the whole input at once. */
function model(data: Uint8Array, max: number): { items: SplitItem[]; rest: string | null } {
	const s = Buffer.from(data).toString('latin1');
	const pieces = s.split('\n');
	const last = pieces.pop() ?? '';
	const items: SplitItem[] = [];
	for (const p of pieces) {
		if (p.length <= max) {
			items.push({ kind: 'line', line: p });
		} else if (!p.startsWith('#')) {
			items.push({ kind: 'too-long' });
		}
	}
	return { items, rest: last.length > 0 && last.length <= max ? last : null };
}

function runSplitter(
	chunks: readonly Uint8Array[],
	max: number,
	t: { true(v: boolean): void },
): { items: SplitItem[]; rest: string | null } {
	const s = new LineSplitter(max);
	const items: SplitItem[] = [];
	for (const c of chunks) {
		items.push(...s.push(c));
		t.true(s.bufferedBytes <= max);
	}
	return { items, rest: s.finish() };
}

test('LineSplitter agrees with the §2.2 model for any chunking (default limit)', t => {
	fc.assert(
		fc.property(chunksArb(linesArb(MAX_LINE_BYTES)), chunks => {
			const got = runSplitter(chunks, MAX_LINE_BYTES, t);
			t.deepEqual(got, model(Buffer.concat(chunks), MAX_LINE_BYTES));
		}),
		{ seed: SEED, numRuns: RUNS },
	);
});

test('LineSplitter agrees with the model on random bytes with a small limit', t => {
	fc.assert(
		fc.property(
			fc.integer({ min: 1, max: 10 }),
			chunksArb(fc.array(byte, { maxLength: 200 }).map(a => Uint8Array.from(a))),
			(max, chunks) => {
				const got = runSplitter(chunks, max, t);
				t.deepEqual(got, model(Buffer.concat(chunks), max));
			},
		),
		{ seed: SEED, numRuns: RUNS * 3 },
	);
});

test('lines of at most 1023 bytes always come back intact', t => {
	const lineArb = fc
		.array(
			fc.integer({ min: 0, max: 255 }).filter(b => b !== 0x0a),
			{ maxLength: MAX_LINE_BYTES },
		)
		.map(a => Buffer.from(a).toString('latin1'));
	fc.assert(
		fc.property(fc.array(lineArb, { maxLength: 4 }), fc.integer({ min: 1, max: 700 }), (ls, step) => {
			const data = Buffer.from(ls.map(l => `${l}\n`).join(''), 'latin1');
			const s = new LineSplitter();
			const got: string[] = [];
			for (let i = 0; i < data.length; i += step) {
				for (const item of s.push(data.subarray(i, i + step))) {
					t.is(item.kind, 'line');
					if (item.kind === 'line') {
						got.push(item.line);
					}
				}
			}
			t.deepEqual(got, ls);
		}),
		{ seed: SEED, numRuns: 100 },
	);
});

/** Strings built from protocol-ish tokens reach deep into the parsers. */
const tokenLine = fc
	.array(
		fc.oneof(
			fc.constantFrom(
				'service.state',
				'service.args',
				'service.fds',
				'service.tags',
				'service.auto_up',
				'fd.state',
				'signal',
				'overflow',
				'deleted',
				'start',
				'up',
				'down',
				'exit',
				'file',
				'pipe',
				'socket',
				'special',
				'SIGHUP',
				'-',
				'0',
				'-0',
				'01',
				'17',
				'-3',
				'99999999999999999999',
				'\t',
				'\t',
				'\t',
				':',
				':t1',
				'#',
				'*',
				'',
			),
			fc.integer({ min: 0, max: 255 }).map(c => String.fromCharCode(c)),
		),
		{ maxLength: 14 },
	)
	.map(a => a.join(''));

const latin1String = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 300 }).map(a => String.fromCharCode(...a));

test('no line makes the parsers throw; parsed events format back to the same bytes', t => {
	fc.assert(
		fc.property(fc.oneof(tokenLine, latin1String), line => {
			splitFields(line);
			parseRequestTag(line);
			const p = compilePattern(line);
			if (p !== null) {
				matches(p, line, line);
			}
			const e = parseEvent(line);
			if (e !== null) {
				t.is(formatEvent(e), line);
			}
		}),
		{ seed: SEED, numRuns: RUNS * 10 },
	);
});

const field = fc.array(fc.integer({ min: 0x20, max: 0xff }), { maxLength: 6 }).map(a => String.fromCharCode(...a));
const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(a, { nil: null });

const eventArb: fc.Arbitrary<DaemonEvent> = fc.oneof(
	fc.record({
		type: fc.constant('service.state' as const),
		name: field,
		state: fc.constantFrom('start' as const, 'up' as const, 'down' as const, 'deleted' as const),
		ts: nullable(int),
		pid: nullable(int),
		reason: nullable(fc.constantFrom('exit' as const, 'signal' as const)),
		value: nullable(field.filter(s => s !== '-')),
		uptime: nullable(int),
		downtime: nullable(int),
	}),
	fc.record({ type: fc.constant('service.args' as const), name: field, args: fc.array(field, { maxLength: 4 }) }),
	fc.record({ type: fc.constant('service.fds' as const), name: field, fds: fc.array(field, { maxLength: 4 }) }),
	fc.record({ type: fc.constant('service.tags' as const), name: field, tags: fc.array(field, { maxLength: 4 }) }),
	fc.record({
		type: fc.constant('service.auto_up' as const),
		name: field,
		interval: int,
		triggers: fc.array(field, { maxLength: 3 }),
	}),
	fc.record({
		type: fc.constant('fd.state' as const),
		name: field,
		fdType: fc.constantFrom('file' as const, 'pipe' as const, 'socket' as const, 'special' as const),
		flags: field,
		description: field,
	}),
	fc.record({ type: fc.constant('fd.deleted' as const), name: field }),
	fc.record({ type: fc.constant('signal' as const), signal: field, ts: int, count: int }),
	fc.constant({ type: 'overflow' as const }),
);

/** What the wire keeps of an event: empty lists and the interval of the `-` auto_up form collapse. */
function normalise(e: DaemonEvent): DaemonEvent {
	switch (e.type) {
		case 'service.args':
			return e.args.length === 1 && e.args[0] === '' ? { ...e, args: [] } : e;
		case 'service.fds':
			return e.fds.length === 1 && e.fds[0] === '' ? { ...e, fds: [] } : e;
		case 'service.tags':
			return e.tags.length === 1 && e.tags[0] === '' ? { ...e, tags: [] } : e;
		case 'service.auto_up':
			return e.triggers.join('\t') === '' ? { ...e, interval: 0, triggers: [] } : e;
		default:
			return e;
	}
}

test('parse(format(event)) gives the event back, up to what the wire carries', t => {
	fc.assert(
		fc.property(eventArb, e => {
			const line = formatEvent(e);
			t.false(line.includes('\n'));
			t.deepEqual(parseEvent(line), normalise(e));
		}),
		{ seed: SEED, numRuns: RUNS * 3 },
	);
});
