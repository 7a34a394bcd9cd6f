// Unit tests of src/protocol/line-splitter.ts: spec §2.2 framing and the over-long line rule.
// Each test feeds bytes and checks the item kinds and line bytes, never timing.
// Must never spawn a process or open a socket.

import test from 'ava';
import { LineSplitter, MAX_LINE_BYTES, type SplitItem } from '../../../src/protocol/line-splitter.js';

function lines(items: SplitItem[]): Array<string | null> {
	return items.map(i => (i.kind === 'line' ? i.line : null));
}

function latin1(s: string): Buffer {
	return Buffer.from(s, 'latin1');
}

test('splits on LF, keeps CR and empty lines, returns nothing for a partial line', t => {
	const s = new LineSplitter();
	t.deepEqual(lines(s.push(latin1('echo\ta\n\necho\r\npart'))), ['echo\ta', '', 'echo\r']);
	t.is(s.bufferedBytes, 4);
	t.deepEqual(lines(s.push(latin1('ial\n'))), ['partial']);
	t.is(s.bufferedBytes, 0);
	t.is(s.finish(), null);
});

test('a line split across many chunks comes back whole', t => {
	const s = new LineSplitter();
	const out: SplitItem[] = [];
	for (const ch of 'service.start\tweb\n') {
		out.push(...s.push(latin1(ch)));
	}
	t.deepEqual(lines(out), ['service.start\tweb']);
});

test('bytes above 0x7f pass through unchanged (latin1)', t => {
	const s = new LineSplitter();
	const bytes = Buffer.from([0x65, 0xff, 0x80, 0x00, 0xc3, 0xa9, 0x0a]);
	const [item] = s.push(bytes);
	t.is(item?.kind, 'line');
	t.deepEqual(Buffer.from(item?.kind === 'line' ? item.line : '', 'latin1'), bytes.subarray(0, 6));
});

test('accepts a Uint8Array that is a view into a larger buffer', t => {
	const s = new LineSplitter();
	const backing = new Uint8Array([0x78, 0x61, 0x0a, 0x62, 0x0a, 0x79]);
	t.deepEqual(lines(s.push(backing.subarray(1, 5))), ['a', 'b']);
});

test('§2.2: 1023 bytes are accepted, 1024 give exactly one too-long', t => {
	const s = new LineSplitter();
	const ok = 'echo\t' + 'x'.repeat(MAX_LINE_BYTES - 5);
	t.is(ok.length, 1023);
	t.deepEqual(lines(s.push(latin1(ok + '\n'))), [ok]);
	t.deepEqual(s.push(latin1(ok + 'y\n')), [{ kind: 'too-long' }]);
	t.deepEqual(lines(s.push(latin1('echo\tafter\n'))), ['echo\tafter']);
});

test('§2.2: a very long line in small chunks gives one too-long and bounded memory', t => {
	const s = new LineSplitter();
	const out: SplitItem[] = [];
	for (let i = 0; i < 1000; i++) {
		out.push(...s.push(latin1('z'.repeat(97))));
		t.true(s.bufferedBytes <= MAX_LINE_BYTES);
	}
	t.deepEqual(out, []);
	t.deepEqual(s.push(latin1('tail\nnext\n')), [{ kind: 'too-long' }, { kind: 'line', line: 'next' }]);
});

test('§2.2: an over-long line starting with # is dropped silently', t => {
	const s = new LineSplitter();
	t.deepEqual(s.push(latin1('#' + 'c'.repeat(1500))), []);
	t.deepEqual(lines(s.push(latin1('c\nok\n'))), ['ok']);
	t.deepEqual(lines(s.push(latin1('#' + 'c'.repeat(1500) + '\nok2\n'))), ['ok2']);
});

test('the # exemption looks at the first byte of the line, even if buffered earlier', t => {
	const s = new LineSplitter(4);
	t.deepEqual(s.push(latin1('#ab')), []);
	t.deepEqual(lines(s.push(latin1('cdef\nx\n'))), ['x']);
	t.deepEqual(s.push(latin1('ab')), []);
	t.deepEqual(s.push(latin1('#cdef\n')), [{ kind: 'too-long' }]);
});

test('finish returns the unterminated remainder once, then the splitter is empty', t => {
	const s = new LineSplitter();
	s.push(latin1('a\nlast'));
	t.is(s.finish(), 'last');
	t.is(s.finish(), null);
	t.is(s.bufferedBytes, 0);
});

test('finish drops a partial over-long line without a too-long item', t => {
	const s = new LineSplitter(8);
	t.deepEqual(s.push(latin1('123456789')), []);
	t.is(s.finish(), null);
	t.deepEqual(lines(s.push(latin1('ok\n'))), ['ok']);
});

test('a custom maximum applies exactly', t => {
	const s = new LineSplitter(3);
	t.deepEqual(s.push(latin1('abc\nabcd\n')), [{ kind: 'line', line: 'abc' }, { kind: 'too-long' }]);
	t.deepEqual(s.push(latin1('ab')), []);
	t.deepEqual(s.push(latin1('c')), []);
	t.is(s.bufferedBytes, 3);
	t.deepEqual(s.push(latin1('d')), []);
	t.true(s.bufferedBytes <= 3);
	t.deepEqual(s.push(latin1('\n')), [{ kind: 'too-long' }]);
});

test('rejects a nonsensical maximum (programmer error)', t => {
	t.throws(() => new LineSplitter(0), { instanceOf: RangeError });
	t.throws(() => new LineSplitter(1.5), { instanceOf: RangeError });
});
