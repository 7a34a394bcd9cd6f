// Unit tests of src/protocol/request-tag.ts: design §4 correlated requests.
// Checks result shapes, never prose. Must never spawn a process or open a socket.

import test from 'ava';
import { unknownCommand } from '../../../src/protocol/replies.js';
import {
	parseRequestTag,
	parseTerminal,
	parseUnknownTagReply,
	tagLine,
	terminalLine,
} from '../../../src/protocol/request-tag.js';

test('an untagged line is returned whole', t => {
	t.deepEqual(parseRequestTag('echo\tx'), { tag: null, rest: 'echo\tx' });
	t.deepEqual(parseRequestTag(''), { tag: null, rest: '' });
	t.deepEqual(parseRequestTag('echo\t:x'), { tag: null, rest: 'echo\t:x' });
	t.deepEqual(parseRequestTag(' :x\techo'), { tag: null, rest: ' :x\techo' });
});

test('a tag is split off with its TAB', t => {
	t.deepEqual(parseRequestTag(':r1\tservice.start\tweb'), { tag: 'r1', rest: 'service.start\tweb' });
	t.deepEqual(parseRequestTag(':a.B-9_z\techo\t\t'), { tag: 'a.B-9_z', rest: 'echo\t\t' });
	t.deepEqual(parseRequestTag(':only'), { tag: 'only', rest: '' });
	t.deepEqual(parseRequestTag(':t\t'), { tag: 't', rest: '' });
	const t32 = 'T'.repeat(32);
	t.deepEqual(parseRequestTag(`:${t32}\tstatedump`), { tag: t32, rest: 'statedump' });
});

test('invalid tags are errors', t => {
	for (const line of [
		':',
		':\techo',
		`:${'T'.repeat(33)}\techo`,
		':a b\techo',
		':a:b\techo',
		'::a\techo',
		':é\techo',
		':a\r\techo',
	]) {
		t.deepEqual(parseRequestTag(line), { error: 'invalid request tag' }, JSON.stringify(line));
	}
});

test('tagLine prefixes the tag field', t => {
	t.is(tagLine('r1', 'ok'), ':r1\tok');
	t.is(tagLine('r1', 'error\tNo such service'), ':r1\terror\tNo such service');
	t.deepEqual(parseRequestTag(tagLine('x', 'echo\ty')), { tag: 'x', rest: 'echo\ty' });
});

test('terminal lines of a tagged request', t => {
	t.deepEqual(parseTerminal('ok'), { ok: true });
	t.deepEqual(parseTerminal('error\tNo such service'), { ok: false, detail: 'No such service' });
	t.deepEqual(parseTerminal('error'), { ok: false, detail: '' });
	t.is(parseTerminal('service.state\tweb'), null);
	t.is(parseTerminal('okay'), null);
	t.is(parseTerminal(''), null);
	t.is(parseTerminal('errors\tx'), null);
});

test('terminal lines round-trip', t => {
	t.is(terminalLine('r1', null), ':r1\tok');
	t.is(terminalLine('r1', 'No such service'), ':r1\terror\tNo such service');
	for (const failure of [null, 'No such service', 'permission denied (role observer)', 'a\tb']) {
		const parsed = parseRequestTag(terminalLine('t.9', failure));
		t.deepEqual(parsed, { tag: 't.9', rest: failure === null ? 'ok' : `error\t${failure}` });
		t.deepEqual(
			parseTerminal('rest' in parsed ? parsed.rest : ''),
			failure === null ? { ok: true } : { ok: false, detail: failure },
		);
	}
});

test('the 1.1 answer to a tag gives that tag back', t => {
	t.is(parseUnknownTagReply(unknownCommand(':c1')), 'c1');
	t.is(parseUnknownTagReply('error\tUnknown command: :c1'), 'c1');
	t.is(parseUnknownTagReply('error\tUnknown command: :c12'), 'c12');
	t.is(parseUnknownTagReply('error\tUnknown command: c1'), null);
	t.is(parseUnknownTagReply('error\tUnknown command: :'), null);
	t.is(parseUnknownTagReply('error\tUnknown command: :a b'), null);
	t.is(parseUnknownTagReply(`error\tUnknown command: :${'T'.repeat(33)}`), null);
	t.is(parseUnknownTagReply(':c1\terror\tUnknown command: :c1'), null);
});
