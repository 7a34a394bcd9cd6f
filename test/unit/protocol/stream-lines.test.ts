// Unit tests of src/protocol/stream-lines.ts: the lines of the resumable event stream. Each line
// formats then parses back to its value; anything else parses to null. Must never spawn a
// process or open a socket.

import test from 'ava';
import fc from 'fast-check';
import {
	SEQ_OFF_LINE,
	gapLine,
	isGapLine,
	liveLine,
	parseGapLine,
	parseLiveLine,
	parseSeqReply,
	parseSequencedLine,
	parseStatedumpEnd,
	seqOnLine,
	sequencedLine,
	statedumpEndLine,
} from '../../../src/protocol/stream-lines.js';

const SEED = 20_260_124;
/** Sequence numbers are read up to 15 digits. */
const seq = fc.integer({ min: 0, max: 999_999_999_999_999 });
const anyLine = fc.string({ unit: 'binary' });

test('the exact bytes of each line', t => {
	t.is(sequencedLine(17, 'service.state\tweb'), '@17\tservice.state\tweb');
	t.is(seqOnLine(41, 'abc'), 'events.seq\ton\t41\tabc');
	t.is(SEQ_OFF_LINE, 'events.seq\toff');
	t.is(liveLine(12), 'events.live\t12');
	t.is(gapLine(5, 9), 'events.gap\t5\t9');
	t.is(statedumpEndLine(8), 'statedump.end\t8');
});

test('every line round-trips', t => {
	fc.assert(
		fc.property(seq, seq, anyLine, (a, b, line) => {
			const sequenced = parseSequencedLine(sequencedLine(a, line));
			return (
				sequenced?.seq === a &&
				sequenced.rest === line &&
				JSON.stringify(parseSeqReply(seqOnLine(a, 'run1'))) ===
					JSON.stringify({ mode: 'on', newest: a, stream: 'run1' }) &&
				parseLiveLine(liveLine(a)) === a &&
				JSON.stringify(parseGapLine(gapLine(a, b))) === JSON.stringify({ oldest: a, newest: b }) &&
				isGapLine(gapLine(a, b)) &&
				parseStatedumpEnd(statedumpEndLine(a)) === a
			);
		}),
		{ seed: SEED },
	);
	t.deepEqual(parseSeqReply(SEQ_OFF_LINE), { mode: 'off' });
});

test('`@SEQ` prefixes', t => {
	t.deepEqual(parseSequencedLine('@3\tsignal\tSIGHUP\t5\t1'), { seq: 3, rest: 'signal\tSIGHUP\t5\t1' });
	t.deepEqual(parseSequencedLine('@3'), { seq: 3, rest: '' });
	for (const bad of ['@x\ty', '@\ty', '@', '3\tx', ' @3\tx', '@3x\ty', `@${'9'.repeat(16)}\tx`, '']) {
		t.is(parseSequencedLine(bad), null, JSON.stringify(bad));
	}
});

test('events.seq replies', t => {
	t.deepEqual(parseSeqReply('events.seq\ton\t41'), { mode: 'on', newest: 41, stream: null });
	t.deepEqual(parseSeqReply('events.seq\ton\t41\t'), { mode: 'on', newest: 41, stream: null });
	t.deepEqual(parseSeqReply('events.seq\ton\t41\tabc\tmore'), { mode: 'on', newest: 41, stream: 'abc' });
	for (const bad of [
		'events.seq\ton',
		'events.seq\ton\tx\tabc',
		'events.seq\toff\tx',
		'events.seq',
		'events.seqx\ton\t1\ta',
		'@1\tevents.seq\ton\t1\ta',
		'',
	]) {
		t.is(parseSeqReply(bad), null, JSON.stringify(bad));
	}
});

test('events.live and events.gap', t => {
	t.is(parseLiveLine('events.live\t12'), 12);
	for (const bad of ['events.live', 'events.live\t', 'events.live\t1\t2', 'events.live\tx', 'events.livex\t1', '']) {
		t.is(parseLiveLine(bad), null, JSON.stringify(bad));
	}
	t.true(isGapLine('events.gap\t5\t9'));
	t.true(isGapLine('events.gap'), 'a gap whose numbers cannot be read is still a gap');
	t.false(isGapLine('events.gapx'));
	t.false(isGapLine('events.live\t5'));
	for (const bad of [
		'events.gap',
		'events.gap\t5',
		'events.gap\t5\t9\t1',
		'events.gap\tx\t9',
		'events.gapx\t5\t9',
		'',
	]) {
		t.is(parseGapLine(bad), null, JSON.stringify(bad));
	}
});

test('statedump terminators', t => {
	t.is(parseStatedumpEnd('statedump.end\t8'), 8);
	t.is(parseStatedumpEnd('statedump.end\t@8'), 8);
	t.is(parseStatedumpEnd('statedump.end', 9), 9, 'the number from the `@SEQ` prefix');
	t.is(parseStatedumpEnd('statedump.end'), null);
	t.is(parseStatedumpEnd('statedump.end\tx'), null);
	t.is(parseStatedumpEnd('service.state\tweb'), null);
	t.is(parseStatedumpEnd('service.state\t8', 8), null);
	t.is(parseStatedumpEnd(''), null);
});

test('no parser throws, whatever the line', t => {
	fc.assert(
		fc.property(anyLine, fc.option(seq), (line, n) => {
			parseSequencedLine(line);
			parseSeqReply(line);
			parseLiveLine(line);
			parseGapLine(line);
			isGapLine(line);
			parseStatedumpEnd(line, n);
			return true;
		}),
		{ seed: SEED },
	);
	t.pass();
});
