// Unit tests of src/supervisor/logger.ts: spec §12 format and filter, §7.19 level names and
// saturation, the bounded buffer with its lost-count line, partial writes and pause/resume.
// Drives the logger through a fake sink only. Must never open a descriptor or spawn a process.

import test from 'ava';
import { LOG_LEVELS, type LogSink, Logger, parseLogLevel } from '../../../src/supervisor/logger.js';

/** A sink that accepts `budget` more bytes in all (then would-block), at most `chunkLimit` per call. */
class FakeSink implements LogSink {
	budget = Infinity;
	chunkLimit = Infinity;
	readonly written: Buffer[] = [];
	readonly waiting: Array<() => void> = [];
	writes = 0;

	write(data: Uint8Array): number | null {
		this.writes++;
		const n = Math.min(this.budget, this.chunkLimit, data.length);
		if (n === 0) return null;
		this.budget -= n;
		this.written.push(Buffer.from(data.subarray(0, n)));
		return n;
	}

	onWritable(callback: () => void): void {
		this.waiting.push(callback);
	}

	/** Make the sink writable again and fire the pending callbacks (once each). */
	release(budget = Infinity): void {
		this.budget = budget;
		for (const callback of this.waiting.splice(0)) callback();
	}

	get text(): string {
		return Buffer.concat(this.written).toString('latin1');
	}

	get lines(): string[] {
		return this.text.split('\n').slice(0, -1);
	}
}

function withSink(options: ConstructorParameters<typeof Logger>[0] = {}): { log: Logger; sink: FakeSink } {
	const log = new Logger(options);
	const sink = new FakeSink();
	log.setSink(sink);
	return { log, sink };
}

test('§12.1: one line per message, "<level>: <text>" + LF, UTF-8 bytes unchanged', t => {
	const { log, sink } = withSink();
	log.info('daemonproxy exiting');
	log.warning('a b \xc3\xa9');
	t.deepEqual([...Buffer.concat(sink.written).subarray(-7)], [0x61, 0x20, 0x62, 0x20, 0xc3, 0xa9, 0x0a]);
	t.deepEqual(sink.lines, ['info: daemonproxy exiting', 'warning: a b \xc3\xa9']);
	t.is(log.pendingBytes, 0);
});

test('§12.1: an LF inside a message cannot start a forged line', t => {
	const { log, sink } = withSink();
	log.error('Unexpected argument "x\nfatal: boom"');
	t.is(sink.lines.length, 1);
});

test('log forgery (issue 12): control bytes and the backslash are escaped, TAB included', t => {
	const { log, sink } = withSink();
	log.warning('a\tb\r\x1b[2K\x00\x7f\\');
	t.deepEqual(sink.lines, ['warning: a\\tb\\r\\x1b[2K\\x00\\x7f\\\\']);
});

test('§12.2: default filter debug writes info and above only', t => {
	const { log, sink } = withSink();
	t.is(log.filter, 'debug');
	log.trace('t');
	log.debug('d');
	log.info('i');
	log.warning('w');
	log.error('e');
	log.fatal('f');
	t.deepEqual(
		sink.lines.map(l => l.split(':')[0]),
		['info', 'warning', 'error', 'fatal'],
	);
});

test('§12.2: each filter writes exactly the levels above it; fatal is never hidden', t => {
	const levels = ['trace', 'debug', 'info', 'warning', 'error', 'fatal'] as const;
	for (const filter of LOG_LEVELS) {
		const { log, sink } = withSink({ filter });
		for (const level of levels) log.log(level, 'x');
		const expected = levels.filter(l => LOG_LEVELS.indexOf(l) > LOG_LEVELS.indexOf(filter) || l === 'fatal');
		t.deepEqual(
			sink.lines.map(l => l.split(':')[0]),
			[...expected],
			filter,
		);
		t.is(log.enabled('trace'), filter === 'none');
	}
});

test('§7.19: adjust steps by one and saturates at none and fatal', t => {
	const log = new Logger();
	log.adjust(1);
	t.is(log.filter, 'info');
	log.adjust(10);
	t.is(log.filter, 'fatal');
	log.adjust(1);
	t.is(log.filter, 'fatal');
	log.adjust(-1);
	t.is(log.filter, 'error');
	log.adjust(-10);
	t.is(log.filter, 'none');
	log.adjust(-1);
	t.is(log.filter, 'none');
	log.filter = 'warning';
	t.is(log.filter, 'warning');
	t.throws(
		() => {
			log.filter = 'warn' as never;
		},
		{ instanceOf: RangeError },
	);
});

test('§7.19: parseLogLevel accepts the exact lower-case names only', t => {
	for (const level of LOG_LEVELS) t.is(parseLogLevel(level), level);
	for (const bad of ['warn', 'INFO', 'Info', '', ' info', 'info ', '__proto__', 'toString'])
		t.is(parseLogLevel(bad), undefined);
});

test('§12.3: paused (no sink) messages accumulate and are written in order on resume', t => {
	const log = new Logger();
	log.info('one');
	log.info('two');
	t.is(log.pendingBytes, 'info: one\ninfo: two\n'.length);
	const sink = new FakeSink();
	log.setSink(sink);
	t.deepEqual(sink.lines, ['info: one', 'info: two']);
	t.is(log.pendingBytes, 0);
	log.setSink(null);
	log.info('three');
	t.deepEqual(sink.lines, ['info: one', 'info: two']);
	log.setSink(sink);
	t.deepEqual(sink.lines, ['info: one', 'info: two', 'info: three']);
});

test('§12.3: overflow drops whole messages, counts them, and reports the count first', t => {
	const log = new Logger({ maxBufferBytes: 64 });
	for (let i = 0; i < 10; i++) log.info(`message ${i}`); // 16 bytes each: 4 fit
	t.is(log.pendingBytes, 64);
	t.is(log.droppedCount, 6);
	const sink = new FakeSink();
	log.setSink(sink);
	t.deepEqual(sink.lines, [
		'info: message 0',
		'info: message 1',
		'info: message 2',
		'info: message 3',
		'warning: lost 6 log messages',
	]);
	log.info('after');
	t.is(sink.lines.at(-1), 'info: after');
	t.is(log.droppedCount, 6);
	t.is(log.pendingBytes, 0);
});

test('§12.3: the lost line goes before newer messages, and newer ones wait for it', t => {
	const log = new Logger({ maxBufferBytes: 64 });
	const sink = new FakeSink();
	sink.budget = 0; // blocked
	log.setSink(sink);
	for (let i = 0; i < 6; i++) log.info(`message ${i}`); // 4 queued, 2 lost
	t.is(log.droppedCount, 2);
	sink.release(16); // frees one 16-byte line: too little for the 29-byte lost line
	t.is(sink.lines.length, 1);
	log.info('too soon'); // lost line does not fit yet, so this is lost as well
	t.is(log.droppedCount, 3);
	sink.release();
	log.info('late');
	t.deepEqual(sink.lines, [
		'info: message 0',
		'info: message 1',
		'info: message 2',
		'info: message 3',
		'warning: lost 3 log messages',
		'info: late',
	]);
	t.is(log.droppedCount, 3);
});

test('§12.3: the lost line is queued once space frees up, without waiting for a new message', t => {
	const log = new Logger({ maxBufferBytes: 64 });
	for (let i = 0; i < 5; i++) log.info(`message ${i}`);
	const sink = new FakeSink();
	log.setSink(sink);
	t.is(sink.lines.at(-1), 'warning: lost 1 log messages');
});

test('a message larger than the whole buffer is counted as lost', t => {
	const { log, sink } = withSink({ maxBufferBytes: 64 });
	log.info('x'.repeat(100));
	t.is(log.droppedCount, 1);
	t.deepEqual(sink.lines, ['warning: lost 1 log messages']);
});

test('partial writes keep the remainder queued; lines arrive whole and in order', t => {
	const { log, sink } = withSink();
	sink.budget = 5;
	log.info('hello');
	t.is(sink.text, 'info:');
	t.is(log.pendingBytes, ' hello\n'.length);
	t.is(sink.waiting.length, 1);
	log.info('beta'); // while blocked: no write attempt, no second callback
	log.info('gamma');
	t.is(sink.writes, 2);
	t.is(sink.waiting.length, 1);

	sink.chunkLimit = 3;
	sink.release(); // 3 bytes per write: progress continues until the queue empties
	t.is(sink.text, 'info: hello\ninfo: beta\ninfo: gamma\n');
	t.is(log.pendingBytes, 0);
	t.is(sink.waiting.length, 0);
});

test('would-block waits for onWritable and never spins', t => {
	const { log, sink } = withSink();
	sink.budget = 0;
	for (let i = 0; i < 100; i++) log.info(`m${i}`);
	t.is(sink.writes, 1);
	t.is(sink.waiting.length, 1);
	sink.release(0); // spurious wake-up: one more attempt, one more wait
	t.is(sink.writes, 2);
	t.is(sink.waiting.length, 1);
	sink.release();
	t.is(sink.lines.length, 100);
	t.true(sink.writes < 10, `coalesced into few writes, got ${sink.writes}`);
});

test('a line partly written to one sink is not continued on another; it counts as lost', t => {
	const log = new Logger();
	const first = new FakeSink();
	first.budget = 4;
	log.setSink(first);
	log.info('hello');
	log.info('next');
	t.is(first.text, 'info');
	const second = new FakeSink();
	log.setSink(second);
	first.release(); // stale callback: must not write to the old sink again
	t.is(first.text, 'info');
	t.deepEqual(second.lines, ['info: next', 'warning: lost 1 log messages']);
	t.is(log.droppedCount, 1);
	t.is(log.pendingBytes, 0);
});

test('pausing keeps a partly written line for the same sink', t => {
	const { log, sink } = withSink();
	sink.budget = 5;
	log.info('hello');
	t.is(sink.text, 'info:'); // the next attempt blocked
	log.setSink(null);
	log.setSink(sink);
	sink.release();
	t.deepEqual(sink.lines, ['info: hello']);
	t.is(log.droppedCount, 0);
});

test('a throwing sink is detached instead of throwing into the caller', t => {
	const log = new Logger();
	log.setSink({
		write: () => {
			throw new Error('EBADF');
		},
		onWritable: () => {},
	});
	t.notThrows(() => log.error('x'));
	const sink = new FakeSink();
	log.setSink(sink);
	t.deepEqual(sink.lines, ['error: x']);
});

test('a sink that logs from inside write neither recurses nor loops forever', t => {
	const log = new Logger();
	const lines: string[] = [];
	let writes = 0;
	log.setSink({
		write(data) {
			writes++;
			log.debug('never shown'); // filtered: costs nothing
			log.info(`from inside ${writes}`); // feedback: one new line per write
			lines.push(Buffer.from(data).toString('latin1'));
			return data.length;
		},
		onWritable: () => {},
	});
	log.info('outside');
	t.is(writes, 1);
	t.deepEqual(lines.join('').split('\n').slice(0, -1), ['info: outside']);
	log.info('again'); // the next trigger writes what was queued meanwhile, in order
	t.deepEqual(lines.join('').split('\n').slice(0, 3), ['info: outside', 'info: from inside 1', 'info: again']);
	t.true(log.pendingBytes > 0 && log.pendingBytes < 64);
});

test('constructor rejects buffers too small for the lost line', t => {
	t.throws(() => new Logger({ maxBufferBytes: 10 }), { instanceOf: RangeError });
	t.notThrows(() => new Logger({ maxBufferBytes: 64 }));
});
