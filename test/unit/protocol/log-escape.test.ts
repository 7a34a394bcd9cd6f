// escapeLogText (daemonproxy(8), LOGGING): what a peer can put in a log line. Regression of the
// log forgery finding of issue 12: a refused command's ESC, CR and NUL bytes reached the log raw.

import test from 'ava';
import { escapeLogText } from '../../../src/protocol/log-escape.js';

const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

test('printable text, valid UTF-8 included, is unchanged (and not copied)', t => {
	const text = utf8('service.start nginx é € 𝄞 ~');
	t.is(escapeLogText(text), text);
});

test('C1 controls (8-bit CSI and friends, raw or UTF-8 encoded) and bytes outside UTF-8 are \\xHH', t => {
	t.is(escapeLogText('a\x9b2Kb'), 'a\\x9b2Kb', 'a raw 8-bit CSI');
	t.is(escapeLogText(utf8('a\u009b2K')), 'a\\xc2\\x9b2K', 'U+009B encoded in UTF-8');
	t.is(escapeLogText('caf\xe9'), 'caf\\xe9', 'a latin1 byte that is not UTF-8');
	t.is(escapeLogText('\xed\xa0\x80'), '\\xed\\xa0\\x80', 'a UTF-8 surrogate');
	t.is(escapeLogText('\xc0\xaf'), '\\xc0\\xaf', 'an overlong slash');
	t.is(escapeLogText(utf8('é') + '\x85'), utf8('é') + '\\x85', 'valid before, NEL after');
});

test('LF, CR and TAB get their C names; the backslash is doubled', t => {
	t.is(escapeLogText('a\nb\rc\td\\e'), 'a\\nb\\rc\\td\\\\e');
});

test('every other byte below 0x20, and DEL, is \\xHH', t => {
	t.is(escapeLogText('\x00\x01\x1b[2K\x1f\x7f'), '\\x00\\x01\\x1b[2K\\x1f\\x7f');
});

test('log forgery: a fake audit line cannot start a line or move the cursor', t => {
	const forged = 'x\r\x1b[2Kinfo: audit: conn 0 (pid 1, uid 0, gid 0, role admin) ok: terminate 0';
	const escaped = escapeLogText(forged);
	t.false(/[\x00-\x1f\x7f]/.test(escaped));
	t.true(escaped.startsWith('x\\r\\x1b[2K'));
});

test('unambiguous: distinct inputs give distinct outputs, and the escape reads back', t => {
	const unescape = (text: string): string =>
		text.replace(/\\(x[0-9a-f]{2}|[nrt\\])/g, (_m, code: string) =>
			code === 'n'
				? '\n'
				: code === 'r'
					? '\r'
					: code === 't'
						? '\t'
						: code === '\\'
							? '\\'
							: String.fromCharCode(Number.parseInt(code.slice(1), 16)),
		);
	for (let byte = 0; byte < 256; byte++) {
		const text = `a${String.fromCharCode(byte)}\\x41${String.fromCharCode(byte)}`;
		t.is(unescape(escapeLogText(text)), text, `byte ${byte}`);
	}
	t.not(escapeLogText('\x1b'), escapeLogText('\\x1b'));
});
