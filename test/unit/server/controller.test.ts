// Unit tests of src/server/controller.ts and controller-state.ts over in-memory byte streams:
// line framing, over-long lines, back-pressure (commands wait above the high-water mark, events
// are dropped past the limit and one `overflow` follows), tagged requests, EOF and `exit`,
// read and write errors (also while flushing), received descriptors, blocked-reader timeouts, the
// loop-turn budget of streamed replies and dropping them when the peer leaves, and release exactly once.
// The controller reads no clock: checkBlocked() is given the time, and the stream's blocked-since
// time comes from the fake clock. No addon, no socket, no sleep.

import test from 'ava';
import { MAX_LINE_BYTES } from '../../../src/protocol/line-splitter.js';
import { OutputBook } from '../../../src/supervisor/output-book.js';
import { Logger } from '../../../src/supervisor/logger.js';
import { Supervisor } from '../../../src/supervisor/supervisor.js';
import type { CommandHandler, CommandHost } from '../../../src/server/command-context.js';
import { Controller, type ControllerHost, type ControllerKind } from '../../../src/server/controller.js';
import { MAX_QUEUED_FDS, type OutputLimits } from '../../../src/server/limits.js';
import {
	INITIAL_STATE,
	step,
	type ControllerInput,
	type ControllerState,
} from '../../../src/server/controller-state.js';
import { EventRing } from '../../../src/server/event-ring.js';
import { runRequest } from '../../../src/server/request.js';
import { TurnBudget } from '../../../src/server/turn-budget.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { MemoryStream } from '../helpers/memory-stream.js';

const PEER = { pid: 1, uid: 0, gid: 0 };

type Execute = (controller: Controller, line: string) => Iterable<string> | void;

/** A few commands of its own, enough to drive the controller: `say TEXT`, `lines N`, `exit`. */
const execute: Execute = (controller, line) => {
	const [verb, arg = ''] = line.split('\t');
	if (verb === 'say') controller.send(arg);
	else if (verb === 'lines') return Array.from({ length: Number(arg) }, (_, i) => `line ${i}`);
	else if (verb === 'exit') controller.exit();
	return undefined;
};

interface HarnessOptions {
	readonly kind?: ControllerKind;
	/** Bytes the peer's buffer holds before output queues (default: unbounded). */
	readonly room?: number;
	readonly limits?: OutputLimits;
	/** A separate output stream (config, interactive), instead of one socket for both. */
	readonly separateOutput?: boolean;
	readonly execute?: Execute;
	/** The loop-turn budget of streamed lines (default: one that never runs out in a test). */
	readonly budget?: TurnBudget;
}

/** A loop-turn budget whose next turn comes only when the test calls turn(). */
function manualBudget(linesPerTurn: number) {
	let pending: (() => void)[] = [];
	const budget = new TurnBudget(linesPerTurn, run => pending.push(run));
	const turn = (): void => {
		const runs = pending;
		pending = [];
		for (const run of runs) run();
	};
	return { budget, turn };
}

function harness(options: HarnessOptions = {}) {
	const clock = new FakeClock();
	const input = new MemoryStream(clock, options.room);
	const output = options.separateOutput ? new MemoryStream(clock, options.room) : input;
	const executed: string[] = [];
	const log: string[] = [];
	const closedFds: number[] = [];
	let tooLong = 0;
	let closedCalls = 0;
	let releaseCalls = 0;
	const run = options.execute ?? execute;
	const host: ControllerHost = {
		execute(controller, line) {
			executed.push(line);
			return run(controller, line);
		},
		lineTooLong(controller) {
			tooLong++;
			controller.send('error\tline too long');
		},
		closeFd: fd => closedFds.push(fd),
		log: {
			debug: text => log.push(`debug: ${text}`),
			warning: text => log.push(`warning: ${text}`),
			error: text => log.push(`error: ${text}`),
		},
		closed: () => closedCalls++,
	};
	const budget = options.budget ?? new TurnBudget(Number.MAX_SAFE_INTEGER, () => {});
	const controller = new Controller(3, options.kind ?? 'socket', host, PEER, options.limits, budget);
	input.connect(controller);
	if (output !== input) output.connect(controller);
	controller.attach({ input, output, release: () => releaseCalls++ });
	return {
		clock,
		controller,
		input,
		output,
		executed,
		log,
		closedFds,
		get tooLong() {
			return tooLong;
		},
		get closedCalls() {
			return closedCalls;
		},
		get releaseCalls() {
			return releaseCalls;
		},
	};
}

const event = (text: string): Buffer => Buffer.from(`${text}\n`, 'latin1');

// ---- the state table ----------------------------------------------------------------------

test('state table: open → input-ended → flushing → closed, and destroy from any live phase', t => {
	const run = (...inputs: ControllerInput[]): ControllerState => inputs.reduce(step, INITIAL_STATE);
	t.deepEqual(run('input-end'), { phase: 'input-ended', output: 'flowing' });
	t.deepEqual(run('input-end', 'commands-done'), { phase: 'closed', output: 'flowing' });
	t.deepEqual(run('input-end', 'commands-done-output-queued'), { phase: 'flushing', output: 'flowing' });
	t.deepEqual(run('input-end', 'commands-done-output-queued', 'drained'), { phase: 'closed', output: 'flowing' });
	for (const before of [[], ['input-end'], ['input-end', 'commands-done-output-queued']] as ControllerInput[][]) {
		t.is(run(...before, 'destroy').phase, 'closed', `destroy after ${before.join(', ') || 'nothing'}`);
	}
	t.is(run('commands-done').phase, 'open', 'commands are done only once input has ended');
	t.is(run('drained').phase, 'open');
	const closed = run('destroy');
	for (const input of ['input-end', 'read-failed', 'drained', 'destroy', 'event-over-limit'] as ControllerInput[]) {
		t.is(step(closed, input), closed, `${input} changes nothing once closed`);
	}
});

test('state table: overflow lasts until a drain; a broken output stays broken', t => {
	const run = (...inputs: ControllerInput[]): ControllerState => inputs.reduce(step, INITIAL_STATE);
	t.is(run('event-over-limit').output, 'overflowed');
	t.is(run('event-over-limit', 'event-over-limit').output, 'overflowed');
	t.is(run('event-over-limit', 'drained').output, 'flowing');
	t.is(run('event-over-limit', 'write-failed').output, 'broken');
	t.is(run('write-failed', 'drained').output, 'broken');
	t.deepEqual(run('read-failed'), { phase: 'input-ended', output: 'broken' });
	for (const error of ['write-failed', 'read-failed'] as ControllerInput[]) {
		t.deepEqual(
			run('input-end', 'commands-done-output-queued', error),
			{ phase: 'closed', output: 'flowing' },
			`${error} while flushing: the queue can never drain, so the connection is released`,
		);
	}
	t.is(step(INITIAL_STATE, 'commands-done'), INITIAL_STATE, 'no change: the same object');
});

// ---- framing ------------------------------------------------------------------------------

test('lines are framed across chunks and run in order', t => {
	const h = harness();
	h.input.type('sa');
	t.deepEqual(h.executed, []);
	h.input.type('y\tone\nsay\ttw');
	h.input.type('o\nsay\tthree\n');
	t.deepEqual(h.executed, ['say\tone', 'say\ttwo', 'say\tthree']);
	t.deepEqual(h.output.readLines(), ['one', 'two', 'three']);
	t.false(h.input.paused, 'reading goes on');
});

test('an over-long line is one error, then the next line runs', t => {
	const h = harness();
	h.input.type(`say\t${'x'.repeat(MAX_LINE_BYTES)}`);
	h.input.type(`${'y'.repeat(5000)}\nsay\tnext\n`);
	t.is(h.tooLong, 1);
	t.deepEqual(h.executed, ['say\tnext']);
	t.deepEqual(h.output.readLines(), ['error\tline too long', 'next']);
	h.input.type(`#${'c'.repeat(2 * MAX_LINE_BYTES)}\n`);
	t.is(h.tooLong, 1, 'an over-long comment is no error');
});

test('a line of exactly the maximum length runs', t => {
	const h = harness();
	const line = `say\t${'x'.repeat(MAX_LINE_BYTES - 4)}`;
	h.input.type(`${line}\n`);
	t.is(h.tooLong, 0);
	t.deepEqual(h.executed, [line]);
});

// ---- back-pressure ------------------------------------------------------------------------

test('commands wait while output is above the high-water mark; replies are never dropped', t => {
	const h = harness({ room: 64, limits: { highWaterBytes: 200, eventLimitBytes: 1000 } });
	h.input.type('lines\t100\nsay\tafter\n');
	t.deepEqual(h.executed, ['lines\t100'], 'the next command waits for the reader');
	t.true(h.controller.pendingOutputBytes > 200);
	t.true(h.controller.pendingOutputBytes < 200 + 'line 99\n'.length, 'only one line past the mark is produced');
	const lines = h.output.readLines();
	t.deepEqual(lines, [...Array.from({ length: 100 }, (_, i) => `line ${i}`), 'after']);
	t.deepEqual(h.executed, ['lines\t100', 'say\tafter']);
	t.is(h.controller.pendingOutputBytes, 0);
});

test('reading pauses while 1024 lines wait, and resumes when they have run', t => {
	const h = harness({ room: 0, limits: { highWaterBytes: 0, eventLimitBytes: 1000 } });
	h.input.type('say\tblocked\n');
	t.is(h.executed.length, 1);
	h.input.type('say\tx\n'.repeat(1024));
	t.true(h.input.paused);
	t.is(h.executed.length, 1);
	h.output.read();
	t.is(h.executed.length, 1025);
	t.false(h.input.paused);
});

test('events past the limit are dropped, and one overflow line follows the drain', t => {
	const h = harness({ room: 0, limits: { highWaterBytes: 100, eventLimitBytes: 30 } });
	for (let i = 0; i < 5; i++) h.controller.deliver(event(`ev\t${i}`)); // 5 bytes each: all fit
	h.controller.deliver(event('x'.repeat(10))); // 25 + 11 > 30: overflow
	t.is(h.controller.state.output, 'overflowed');
	h.controller.deliver(event('y')); // small, but dropped: the overflow is not over
	h.input.type('say\treply\n'); // replies still go out
	t.deepEqual(h.output.readLines(), ['ev\t0', 'ev\t1', 'ev\t2', 'ev\t3', 'ev\t4', 'reply', 'overflow']);
	t.is(h.controller.state.output, 'flowing');
	h.controller.deliver(event('z'));
	t.deepEqual(h.output.readLines(), ['z'], 'no second overflow line; events flow again');
});

test('wants: live events follow the subscriptions, and wait while a replay holds them', t => {
	const h = harness();
	t.true(h.controller.wants('service.state', 'web'));
	t.false(h.controller.wants('audit', 'service.start'), 'audit only by name');
	h.controller.delivery.liveHeld = true;
	t.false(h.controller.wants('service.state', 'web'));
	h.controller.delivery.liveHeld = false;
	h.controller.subscriptions.clear();
	t.false(h.controller.wants('service.state', 'web'));
});

// ---- tagged requests, through the real request runner -------------------------------------

test('a tagged request: its streamed lines tagged, then one terminal line, all under back-pressure', t => {
	const commands = new Map<string, CommandHandler>([
		['dump', () => Array.from({ length: 50 }, (_, i) => `row\t${i}`)],
		['nope', ctx => ctx.fail('no such thing')],
	]);
	const clock = new FakeClock();
	const log = new Logger();
	const supervisor = new Supervisor({
		clock,
		host: {
			spawn: () => ({ ok: true, pid: 2 }),
			kill() {},
			tree: () => [],
			signalTree() {},
			usage: () => ({ cgroup: null, cpuUsec: null, memoryBytes: null }),
			release() {},
		},
		closeFd() {},
		log,
		emit() {},
	});
	const commandHost: CommandHost = {
		log,
		supervisor,
		events: new EventRing(),
		streamId: 'run',
		output: new OutputBook(),
		roleOf: () => 'admin',
		addRule() {},
		publishAudit() {},
		logFailure() {},
		process: {
			guard: 0n,
			execOnExit: null,
			requestExit() {},
			chdir: () => null,
			followLog: () => true,
			setEssential() {},
			isEssential: () => false,
			reopenLog: () => null,
			openControlSocket: () => true,
			closeControlSocket() {},
		},
	};
	const h = harness({
		room: 16,
		limits: { highWaterBytes: 64, eventLimitBytes: 1000 },
		execute: (c, line) => runRequest(commands, commandHost, c, line),
	});
	h.input.type(':t1\tdump\n:t2\tnope\tx\n');
	t.deepEqual(h.executed, [':t1\tdump']);
	t.deepEqual(h.output.readLines(), [
		...Array.from({ length: 50 }, (_, i) => `:t1\trow\t${i}`),
		':t1\tok',
		':t2\terror\tno such thing',
	]);
});

// ---- the end of input ---------------------------------------------------------------------

test('EOF: what was received runs, then the controller is released once', t => {
	const h = harness();
	h.input.type('say\ta\nsay\tb\n');
	h.input.end();
	t.deepEqual(h.output.readLines(), ['a', 'b']);
	t.is(h.controller.state.phase, 'closed');
	t.true(h.controller.closed);
	t.is(h.releaseCalls, 1);
	t.is(h.closedCalls, 1);
	h.input.end();
	h.controller.destroy();
	t.is(h.releaseCalls, 1, 'EOF again and destroy do nothing more');
	t.is(h.closedCalls, 1);
});

test('EOF while output is blocked: the remaining commands wait, then the output flushes, then release', t => {
	const h = harness({ room: 8, limits: { highWaterBytes: 16, eventLimitBytes: 1000 } });
	h.input.type('lines\t10\nsay\tlast\n');
	h.input.end();
	t.is(h.controller.state.phase, 'input-ended');
	t.deepEqual(h.executed, ['lines\t10']);
	t.true(h.controller.hasOutput, 'still writing');
	t.is(h.releaseCalls, 0);
	t.deepEqual(h.output.readLines(), [...Array.from({ length: 10 }, (_, i) => `line ${i}`), 'last']);
	t.is(h.controller.state.phase, 'closed');
	t.is(h.releaseCalls, 1);
	t.is(h.closedCalls, 1);
});

test('flushing: input is closed, the queued output drains, then release', t => {
	const h = harness({ room: 4 });
	h.input.type('say\thello world\n');
	h.input.end();
	t.is(h.controller.state.phase, 'flushing');
	t.true(h.input.paused, 'a socket stops reading but keeps its queued output');
	t.is(h.input.destroyCalls, 0);
	t.false(h.controller.hasOutput, 'no more replies or events');
	h.controller.deliver(event('dropped'));
	t.is(h.releaseCalls, 0);
	t.deepEqual(h.output.readLines(), ['hello world']);
	t.is(h.releaseCalls, 1);
	t.is(h.closedCalls, 1);
});

test('separate streams: at the end the input stream is destroyed, then the output', t => {
	const h = harness({ kind: 'interactive', separateOutput: true });
	h.input.type('say\tbye\n');
	h.input.end();
	t.is(h.input.destroyCalls, 1);
	t.true(h.output.destroyed);
	t.is(h.releaseCalls, 1);
});

test('a partial last line runs from a config file, and is ignored from anyone else', t => {
	const config = harness({ kind: 'config', separateOutput: true });
	config.input.type('say\tone\nsay\ttwo');
	config.input.end();
	t.deepEqual(config.executed, ['say\tone', 'say\ttwo']);
	t.deepEqual(config.log, ['warning: Command ends with EOF... processing anyway']);
	const socket = harness();
	socket.input.type('say\tone\nsay\ttwo');
	socket.input.end();
	t.deepEqual(socket.executed, ['say\tone']);
	t.deepEqual(socket.log, ['warning: Command ends with EOF... ignored']);
});

test('exit: stops reading, drops the lines after it and a partial line, flushes, then closes', t => {
	const h = harness();
	h.input.type('say\tbefore\nexit\nsay\tafter\nsay\tpart');
	t.deepEqual(h.executed, ['say\tbefore', 'exit']);
	t.true(h.input.paused);
	t.deepEqual(h.log, [], 'the partial line is dropped silently');
	t.is(h.controller.state.phase, 'closed');
	t.deepEqual(h.output.readLines(), ['before']);
	t.is(h.releaseCalls, 1);
	h.input.type('say\tlate\n');
	t.deepEqual(h.executed, ['say\tbefore', 'exit'], 'nothing runs after exit');
});

test('exit among lines received before EOF: the rest is dropped', t => {
	const h = harness();
	h.input.type('say\ta\nexit\nsay\tb\n');
	h.input.end();
	t.deepEqual(h.executed, ['say\ta', 'exit']);
	t.is(h.releaseCalls, 1);
});

test('an event-only controller ignores what its peer writes, but still gets events', t => {
	const h = harness();
	h.controller.ignoreCommands();
	t.false(h.controller.acceptsCommands);
	h.input.type('say\tignored\n');
	t.deepEqual(h.executed, []);
	h.controller.deliver(event('service.state\tweb\tup'));
	t.deepEqual(h.output.readLines(), ['service.state\tweb\tup']);
	h.input.end();
	t.is(h.releaseCalls, 1, 'EOF still ends it');
});

// ---- errors -------------------------------------------------------------------------------

test('a read error: what the peer sent still runs (output dropped), then release', t => {
	const h = harness({ room: 0, limits: { highWaterBytes: 100, eventLimitBytes: 100 } });
	h.input.type('say\tone\n');
	h.input.fail();
	t.deepEqual(h.log, ['error: read(client[3])): Connection reset by peer']);
	t.deepEqual(h.controller.state, { phase: 'closed', output: 'broken' });
	t.is(h.releaseCalls, 1);
});

test('a peer that resets the connection (ECONNRESET) closed it: no error in the log', t => {
	const h = harness({ room: 0, limits: { highWaterBytes: 100, eventLimitBytes: 100 } });
	h.input.fail('Connection reset by peer', 'ECONNRESET');
	t.deepEqual(h.log, ['debug: client[3] closed the connection (reset by peer)']);
	t.is(h.releaseCalls, 1);
});

test('a write error: output is discarded, commands still run to EOF', t => {
	const h = harness();
	h.input.type('say\tone\n');
	t.deepEqual(h.output.readLines(), ['one']);
	h.input.failWrite();
	t.deepEqual(h.log, ['warning: write(controller[3]): Broken pipe; discarding its output']);
	t.false(h.controller.hasOutput);
	h.input.type('say\ttwo\n');
	h.controller.deliver(event('ev'));
	t.deepEqual(h.executed, ['say\tone', 'say\ttwo']);
	t.deepEqual(h.output.readLines(), []);
	t.is(h.releaseCalls, 0);
	h.input.end();
	t.is(h.releaseCalls, 1);
});

test('the peer goes away while flushing: released at once, exactly once (no drain or timeout will come)', t => {
	for (const leave of ['failWrite', 'fail'] as const) {
		const h = harness({ room: 4 });
		h.input.type('say\thello world\n');
		h.input.end();
		t.is(h.controller.state.phase, 'flushing');
		h.input[leave]();
		t.is(h.controller.state.phase, 'closed', leave);
		t.is(h.releaseCalls, 1, leave);
		t.is(h.closedCalls, 1, leave);
		h.input.read();
		h.controller.destroy();
		t.is(h.releaseCalls, 1, `${leave}: nothing more afterwards`);
	}
});

// ---- streamed replies: the loop-turn budget, and the peer leaving ---------------------------

/** `dump N`: N lines produced lazily; counts what was pulled and whether the dump was stopped. */
function countingDump() {
	const seen = { pulled: 0, stopped: false };
	const execute: Execute = (controller, line) => {
		const [verb, arg = ''] = line.split('\t');
		if (verb === 'say') controller.send(arg);
		if (verb !== 'dump') return undefined;
		return (function* () {
			try {
				for (let i = 0; i < Number(arg); i++) {
					seen.pulled++;
					yield `row ${i}`;
				}
			} finally {
				seen.stopped = true;
			}
		})();
	};
	return { seen, execute };
}

test('streamed lines share one budget per loop turn across controllers; other commands are not held up', t => {
	const { budget, turn } = manualBudget(4);
	const a = countingDump();
	const b = countingDump();
	const ha = harness({ budget, execute: a.execute });
	const hb = harness({ budget, execute: b.execute });
	ha.input.type('dump\t10\nsay\ta-done\n');
	hb.input.type('dump\t3\n');
	t.is(a.seen.pulled, 4, 'the first dump takes the whole turn');
	t.is(b.seen.pulled, 0, 'the second waits for the next turn');
	hb.input.type('');
	t.deepEqual(ha.output.readLines(), ['row 0', 'row 1', 'row 2', 'row 3']);
	turn();
	t.is(a.seen.pulled, 8);
	t.is(b.seen.pulled, 0, 'waiters resume in arrival order');
	turn();
	t.deepEqual(ha.output.readLines(), ['row 4', 'row 5', 'row 6', 'row 7', 'row 8', 'row 9', 'a-done']);
	t.deepEqual(hb.output.readLines(), ['row 0'], 'what the first left of this turn');
	turn();
	t.deepEqual(hb.output.readLines(), ['row 1', 'row 2']);
	t.true(a.seen.stopped && b.seen.stopped);
});

test('a command on another connection is answered while a dump waits for its turn', t => {
	const { budget } = manualBudget(2);
	const a = countingDump();
	const ha = harness({ budget, execute: a.execute });
	const hb = harness({ budget });
	ha.input.type('dump\t1000\n');
	hb.input.type('say\tpong\n');
	t.deepEqual(hb.output.readLines(), ['pong']);
	t.is(a.seen.pulled, 2);
});

for (const leave of ['failWrite', 'fail'] as const) {
	test(`a dump whose peer is gone (${leave}) stops at once, and nothing it would send is kept`, t => {
		const d = countingDump();
		const h = harness({ room: 0, limits: { highWaterBytes: 64, eventLimitBytes: 1000 }, execute: d.execute });
		h.input.type('dump\t100000\n');
		const pulled = d.seen.pulled;
		t.true(pulled < 20, 'waits for the reader above the high-water mark');
		h.input[leave]();
		t.is(d.seen.pulled, pulled, 'not one more line produced');
		t.true(d.seen.stopped, 'the dump was stopped (its finally ran)');
		t.is(h.output.pendingBytes, 0);
		if (leave === 'failWrite') {
			h.input.type('say\tafter\n');
			t.deepEqual(h.executed, ['dump\t100000', 'say\tafter'], 'later commands still run');
		}
	});
}

test('a dump waiting for its turn is stopped when the controller is destroyed', t => {
	const { budget, turn } = manualBudget(3);
	const d = countingDump();
	const h = harness({ budget, execute: d.execute });
	h.input.type('dump\t100\n');
	h.controller.destroy();
	t.true(d.seen.stopped);
	turn();
	t.is(d.seen.pulled, 3);
	t.is(h.releaseCalls, 1);
});

// ---- received descriptors -----------------------------------------------------------------

test('received descriptors: queued up to the limit in order, the rest closed; leftovers closed at release', t => {
	const h = harness();
	const fds = Array.from({ length: MAX_QUEUED_FDS + 2 }, (_, i) => 100 + i);
	h.input.type('', fds);
	t.deepEqual(h.closedFds, [108, 109]);
	t.deepEqual(h.log, [
		'error: No room for ancillary file descriptor 108',
		'error: No room for ancillary file descriptor 109',
	]);
	t.is(h.controller.takeFd(), 100);
	t.is(h.controller.takeFd(), 101);
	h.input.end();
	t.deepEqual(h.closedFds, [108, 109, 102, 103, 104, 105, 106, 107]);
	t.is(h.log.at(-1), 'warning: closing leftover ancillary file descriptor 107');
	t.is(h.controller.takeFd(), undefined);
});

test('descriptors arriving while flushing are closed at once', t => {
	const h = harness({ room: 0 });
	h.input.type('say\tx\n');
	h.input.end();
	t.is(h.controller.state.phase, 'flushing');
	h.controller.onData(Buffer.alloc(0), [42]);
	t.deepEqual(h.closedFds, [42]);
});

// ---- blocked readers ----------------------------------------------------------------------

test('a blocked reader: one warning at the reset timeout, closed at the close timeout', t => {
	const h = harness({ room: 0 });
	h.input.type('say\tstuck\n');
	const { clock, controller } = h;
	clock.advance(14_999);
	controller.checkBlocked(clock.now());
	t.deepEqual(h.log, []);
	clock.advance(1);
	controller.checkBlocked(clock.now());
	clock.advance(5000);
	controller.checkBlocked(clock.now());
	t.deepEqual(h.log, ['warning: controller 3 blocked pipe for 15 seconds'], 'once per blocked episode');
	clock.advance(10_000);
	controller.checkBlocked(clock.now());
	t.is(h.log.at(-1), 'error: controller 3 blocked pipe for 30 seconds, closing connection');
	t.is(controller.state.phase, 'closed');
	t.true(h.input.destroyed);
	t.is(h.releaseCalls, 1);
	t.is(h.closedCalls, 1);
	controller.checkBlocked(clock.now() + 60_000);
	t.is(h.releaseCalls, 1);
});

test('a drain ends the blocked episode: the next one is warned about again', t => {
	const h = harness({ room: 0 });
	const { clock, controller } = h;
	h.input.type('say\tfirst\n');
	clock.advance(15_000);
	controller.checkBlocked(clock.now());
	h.output.read();
	controller.checkBlocked(clock.now());
	h.input.type('say\tsecond\n');
	clock.advance(15_000);
	controller.checkBlocked(clock.now());
	t.deepEqual(h.log, [
		'warning: controller 3 blocked pipe for 15 seconds',
		'warning: controller 3 blocked pipe for 15 seconds',
	]);
});

test('conn.event_timeout settings apply, and a flushing controller is closed by the close timeout', t => {
	const h = harness({ room: 0 });
	const { clock, controller } = h;
	controller.setTimeouts({ resetSec: 1, closeSec: 2 });
	t.deepEqual(controller.timeouts, { resetSec: 1, closeSec: 2 });
	h.input.type('say\tnever read\n');
	h.input.end();
	t.is(controller.state.phase, 'flushing');
	clock.advance(1000);
	controller.checkBlocked(clock.now());
	t.deepEqual(h.log, ['warning: controller 3 blocked pipe for 1 seconds']);
	clock.advance(1000);
	controller.checkBlocked(clock.now());
	t.is(controller.state.phase, 'closed');
	t.is(h.releaseCalls, 1);
	t.is(h.closedCalls, 1);
});

// ---- destroy ------------------------------------------------------------------------------

test('destroy: streams stopped, unsent output dropped, released exactly once', t => {
	const h = harness({ room: 0 });
	h.input.type('say\tunsent\n');
	h.controller.destroy();
	h.controller.destroy();
	t.is(h.releaseCalls, 1);
	t.is(h.closedCalls, 1);
	t.true(h.input.destroyed);
	t.is(h.controller.pendingOutputBytes, 0);
	t.false(h.controller.hasOutput);
	t.false(h.controller.wants('service.state', 'web'));
	h.controller.send('late');
	h.controller.deliver(event('late'));
	h.controller.onDrain();
	h.controller.onEnd();
	h.controller.onError(new Error('late'));
	t.is(h.releaseCalls, 1);
	t.deepEqual(h.log, []);
});

test('destroy while flushing releases once; the drain that follows does nothing', t => {
	const h = harness({ room: 0 });
	h.input.type('say\tx\n');
	h.input.end();
	h.controller.destroy();
	h.controller.onDrain();
	t.is(h.releaseCalls, 1);
	t.is(h.closedCalls, 1);
});

test('the peer is fixed, but a service controller learns its pid', t => {
	const h = harness({ kind: 'service' });
	t.deepEqual(h.controller.peer, PEER);
	h.controller.setPeerPid(4242);
	t.deepEqual(h.controller.peer, { ...PEER, pid: 4242 });
	t.is(h.controller.label, 'controller[3]');
});
