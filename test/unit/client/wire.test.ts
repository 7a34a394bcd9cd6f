// The client's line rules: field checks before sending, and the classification of received lines
// (tags of design §4, `@SEQ` of design §3, stream markers among a reply's lines). The lines' own
// formats and parsers are tested in test/unit/protocol.

import test from 'ava';
import fc from 'fast-check';
import { ArgumentError, stripCommandContext } from '../../../src/client/errors.js';
import { parseStatedumpEnd } from '../../../src/protocol/stream-lines.js';
import { classifyLine, commandLine, findBadField, seqOnReply } from '../../../src/client/wire.js';

test('classifyLine splits tag, sequence number and body', t => {
	t.deepEqual(classifyLine(':c1\tok'), { tag: 'c1', seq: null, body: 'ok' });
	t.deepEqual(classifyLine(':c1\t@17\tservice.state\tweb'), { tag: 'c1', seq: 17, body: 'service.state\tweb' });
	t.deepEqual(classifyLine('@3\tsignal\tSIGHUP\t5\t1'), { tag: null, seq: 3, body: 'signal\tSIGHUP\t5\t1' });
	t.deepEqual(classifyLine(':c2'), { tag: 'c2', seq: null, body: '' });
	// Not tags: an invalid tag stays part of the body, so does a lone `@`.
	t.deepEqual(classifyLine(':bad tag\tx'), { tag: null, seq: null, body: ':bad tag\tx' });
	t.deepEqual(classifyLine('@x\ty'), { tag: null, seq: null, body: '@x\ty' });
});

test('classifyLine never throws and keeps every byte', t => {
	fc.assert(
		fc.property(fc.string({ unit: 'binary' }), line => {
			const c = classifyLine(line);
			return line.endsWith(c.body);
		}),
	);
	t.pass();
});

test('the stream markers of design §3 among reply lines', t => {
	t.deepEqual(seqOnReply(['events.seq\ton\t41\tabc']), { newest: 41, stream: 'abc' });
	t.deepEqual(seqOnReply(['x', 'events.seq\ton\t41']), { newest: 41, stream: null });
	t.is(seqOnReply(['events.seq\toff']), null);
	const end = classifyLine('statedump.end\t8');
	t.is(parseStatedumpEnd(end.body, end.seq), 8);
	const other = classifyLine('service.state\tweb');
	t.is(parseStatedumpEnd(other.body, other.seq), null);
	const sequenced = classifyLine(':c1\t@9\tstatedump.end');
	t.is(parseStatedumpEnd(sequenced.body, sequenced.seq), 9);
});

test('fields with control bytes or too long a line are refused, naming the problem', t => {
	t.is(findBadField(['echo', 'ok', '']), null);
	t.regex(findBadField(['echo', 'a\x1bb']) ?? '', /argument 1 .*\\x1b/);
	t.regex(findBadField(['ec\nho']) ?? '', /the command .*\\n/);
	t.regex(findBadField(['echo', '\x7f']) ?? '', /\\x7f/);
	t.is(commandLine(['echo', 'a', '', 'b'], 'latin1'), 'echo\ta\t\tb');
	t.throws(() => commandLine([], 'latin1'), { instanceOf: ArgumentError });
	t.throws(() => commandLine(['echo', 'x'.repeat(1018)], 'latin1', 4), {
		instanceOf: ArgumentError,
		message: /limit is 1019/,
	});
	t.notThrows(() => commandLine(['echo', 'x'.repeat(1018)], 'latin1'));
	// UTF-8 counts bytes, not characters.
	t.throws(() => commandLine(['echo', 'é'.repeat(600)], 'utf8'), { instanceOf: ArgumentError });
});

test('the 1.1 context suffix is removed from messages (spec §5.1)', t => {
	t.is(stripCommandContext('No such service, for command "service.start\tx"'), 'No such service');
	t.is(stripCommandContext('No such service, for command "service.start\tabcdefghijklmnop..."'), 'No such service');
	t.is(stripCommandContext('permission denied (role observer)'), 'permission denied (role observer)');
});
