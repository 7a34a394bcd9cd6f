// Unit tests of src/protocol/fields.ts: spec §2.1 fields, §2.3 ignored lines, §2.4 syntaxes.
// Checks return values only. Must never spawn a process or open a socket.

import test from 'ava';
import {
	checkName,
	hasControlBytes,
	isIgnoredLine,
	MAX_NAME_BYTES,
	parseInteger,
	restOfLine,
	splitFields,
} from '../../../src/protocol/fields.js';

test('§2.1: empty fields are kept, a trailing TAB makes an empty last field', t => {
	t.deepEqual(splitFields('a\t\tb'), ['a', '', 'b']);
	t.deepEqual(splitFields('service.args\tfoo'), ['service.args', 'foo']);
	t.deepEqual(splitFields('service.args\tfoo\t'), ['service.args', 'foo', '']);
	t.deepEqual(splitFields(''), ['']);
	t.deepEqual(splitFields('echo\r'), ['echo\r']);
});

test('restOfLine returns the verbatim remainder after N fields', t => {
	t.is(restOfLine('echo\thello\tworld', 1), 'hello\tworld');
	t.is(restOfLine('echo\t\t', 1), '\t');
	t.is(restOfLine('echo', 1), undefined);
	t.is(restOfLine('echo\t', 1), '');
	t.is(restOfLine('a\tb\tc', 2), 'c');
	t.is(restOfLine('a\tb', 0), 'a\tb');
});

test('§2.3: comments and whitespace-only lines are ignored', t => {
	for (const line of ['', '#', '# comment', '#\tx', ' ', '\t\t', ' \r', '\r', '\0', ' \t\r\0 ']) {
		t.true(isIgnoredLine(line), JSON.stringify(line));
	}
});

test('§2.3: leading whitespace before anything else is not ignored', t => {
	for (const line of [' echo\tx', '\techo', 'echo', ' #', '\x0b', '\n', 'x#']) {
		t.false(isIgnoredLine(line), JSON.stringify(line));
	}
});

test('§2.4: the name rule', t => {
	t.is(MAX_NAME_BYTES, 31);
	t.is(checkName(undefined), 'absent');
	t.is(checkName(''), 'absent');
	t.is(checkName('web'), 'ok');
	t.is(checkName('A-Z_a.z-0.9'), 'ok');
	t.is(checkName('x'.repeat(31)), 'ok');
	t.is(checkName('x'.repeat(32)), 'invalid');
	for (const bad of ['a b', 'a/b', 'a:b', 'é', 'a\tb', '-\n', 'a*']) {
		t.is(checkName(bad), 'invalid', JSON.stringify(bad));
	}
	t.is(checkName('-'), 'ok');
	t.is(checkName('__proto__'), 'ok');
});

test('§2.4: integers', t => {
	t.is(parseInteger('0'), 0n);
	t.is(parseInteger('-0'), 0n);
	t.is(parseInteger('007'), 7n);
	t.is(parseInteger('-42'), -42n);
	t.is(parseInteger('9223372036854775807'), 9223372036854775807n);
	t.is(parseInteger('-9223372036854775808'), -9223372036854775808n);
	for (const bad of [undefined, '', '-', '+1', ' 1', '1 ', '0x10', '1.5', '1e3', '--1', '١', '12a']) {
		t.is(parseInteger(bad), null, JSON.stringify(bad));
	}
});

test('§2.4: out-of-range integers are rejected instead of wrapping (1.1 accident fixed)', t => {
	t.is(parseInteger('9223372036854775808'), null);
	t.is(parseInteger('-9223372036854775809'), null);
	t.is(parseInteger('1'.repeat(1000)), null);
});

test('control bytes are all bytes below 32 except TAB', t => {
	t.false(hasControlBytes('a\tb é\x7f'));
	t.true(hasControlBytes('a\rb'));
	t.true(hasControlBytes('\0'));
	t.true(hasControlBytes('\n'));
	t.true(hasControlBytes('\x1f'));
});
