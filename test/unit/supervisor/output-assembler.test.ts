// Unit tests of src/supervisor/output-assembler.ts: lines across chunks, overlong lines split,
// escaping of control bytes and of binary (not UTF-8) bytes, the raw bytes handed on, flush.

import test from 'ava';
import { escapeOutput, LineAssembler, MAX_OUTPUT_LINE_BYTES } from '../../../src/supervisor/output-assembler.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

test('lines end at LF, across chunks; the raw bytes are those of the completed lines', t => {
	const lines = new LineAssembler();
	const first = lines.push(bytes('one\ntw'));
	t.deepEqual(first.texts, ['one']);
	t.is(first.raw.toString('latin1'), 'one\n');
	const second = lines.push(bytes('o\n\nthree'));
	t.deepEqual(second.texts, ['two', '']);
	t.is(second.raw.toString('latin1'), 'two\n\n');
	t.deepEqual(lines.push(bytes('')).texts, []);
	t.deepEqual(lines.flush()?.texts, ['three']);
	t.is(lines.flush(), null);
});

test('a line longer than the limit is cut into pieces of the limit; the partial line stays below it', t => {
	const lines = new LineAssembler();
	const long = 'x'.repeat(MAX_OUTPUT_LINE_BYTES * 2 + 10);
	const got = lines.push(bytes(long));
	t.deepEqual(
		got.texts.map(text => text.length),
		[MAX_OUTPUT_LINE_BYTES, MAX_OUTPUT_LINE_BYTES],
	);
	t.is(got.raw.length, MAX_OUTPUT_LINE_BYTES * 2, 'no LF is added to what is forwarded');
	t.deepEqual(lines.push(bytes('y\n')).texts, [`${'x'.repeat(10)}y`]);
});

test('escaping: controls, TAB, CR and backslash visible; UTF-8 kept; other high bytes escaped', t => {
	t.is(escapeOutput(bytes('plain text')), 'plain text');
	t.is(escapeOutput(bytes('a\tb\r\x1b[31m\\\x7f\x00')), 'a\\tb\\r\\x1b[31m\\\\\\x7f\\x00');
	const utf8 = Buffer.from('café ✓', 'utf8');
	t.is(escapeOutput(utf8), utf8.toString('latin1'), 'valid UTF-8 passes as its bytes');
	t.is(escapeOutput(Buffer.from([0x41, 0xff, 0xfe, 0x0a])), 'A\\xff\\xfe\\x0a');
	const lines = new LineAssembler();
	t.deepEqual(lines.push(Buffer.from([0x62, 0x69, 0x6e, 0x80, 0x09, 0x0a])).texts, ['bin\\x80\\t']);
});
