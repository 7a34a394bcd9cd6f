// dpctl's output rules: bytes through unchanged when piped, control characters escaped and
// UTF-8 shown on a terminal, no colour without a terminal or with NO_COLOR, tables and durations.

import test from 'ava';
import {
	displayWire,
	escapeControls,
	formatDuration,
	formatTable,
	jsonWire,
	Output,
	wireFromArg,
} from '../../../src/dpctl/output.js';

class Sink {
	readonly chunks: Array<string | Uint8Array> = [];
	readonly isTTY: boolean;
	constructor(isTTY: boolean) {
		this.isTTY = isTTY;
	}
	write(chunk: string | Uint8Array): boolean {
		this.chunks.push(chunk);
		return true;
	}
	get bytes(): Buffer {
		return Buffer.concat(this.chunks.map(c => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c))));
	}
}

test('piped: a wire line is written byte for byte', t => {
	const sink = new Sink(false);
	new Output(sink, {}).wire('a\tb\x1b[31m\xff');
	t.deepEqual(sink.bytes, Buffer.from([0x61, 0x09, 0x62, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0x0a]));
});

test('terminal: control bytes from the wire are escaped, TAB kept, UTF-8 shown', t => {
	const sink = new Sink(true);
	new Output(sink, {}).wire(`x\x1b[2Jy\x07\t${wireFromArg('é')}`);
	t.is(sink.bytes.toString('utf8'), 'x\\x1b[2Jy\\x07\té\n');
	t.is(displayWire('\x9b31m'), '\\x9b31m'); // C1 CSI, not valid UTF-8: byte by byte
	t.is(displayWire(wireFromArg('\u009b')), '\\x9b'); // C1 as UTF-8: still escaped
	t.is(escapeControls('a\rb\nc'), 'a\\rb\\nc');
});

test('colour only on a terminal, and never with NO_COLOR or TERM=dumb', t => {
	t.true(new Output(new Sink(true), {}).colour);
	t.false(new Output(new Sink(false), {}).colour);
	t.false(new Output(new Sink(true), { NO_COLOR: '1' }).colour);
	t.false(new Output(new Sink(true), { TERM: 'dumb' }).colour);
	t.is(new Output(new Sink(false), {}).paint('red', 'x'), 'x');
	t.is(new Output(new Sink(true), {}).paint('red', 'x'), '\x1b[31mx\x1b[0m');
});

test('JSON strings are the UTF-8 reading of the bytes', t => {
	t.is(jsonWire(wireFromArg('naïve ✓')), 'naïve ✓');
});

test('tables pad every column but the last, ignoring colour codes', t => {
	t.deepEqual(
		formatTable([
			['NAME', 'STATE', 'PID'],
			['web', '\x1b[32mup\x1b[0m', '42'],
			['database', 'down', '-'],
		]),
		['NAME      STATE  PID', 'web       \x1b[32mup\x1b[0m     42', 'database  down   -'],
	);
});

test('durations', t => {
	t.deepEqual([0, 59, 60, 61, 3599, 3600, 86399, 86400 + 3 * 3600].map(formatDuration), [
		'0s',
		'59s',
		'1m00s',
		'1m01s',
		'59m59s',
		'1h00m',
		'23h59m',
		'1d03h',
	]);
});
