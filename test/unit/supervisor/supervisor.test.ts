// Unit tests of the supervisor shell through fake ports (clock, process host): event order,
// auto-start by `always` and by pending signals (level-triggered, §9.5–§9.6), spawn failures,
// deletion. No process is spawned: the fake host hands out pids, and the fake clock's timers
// fire only when a test advances it, so nothing here sleeps or needs the compiled addon.

import test from 'ava';
import type { DaemonEvent } from '../../../src/protocol/events.js';
import { formatEvent } from '../../../src/protocol/events.js';
import { Logger } from '../../../src/supervisor/logger.js';
import type { SpawnOutcome, SpawnPlan } from '../../../src/supervisor/ports.js';
import { Supervisor } from '../../../src/supervisor/supervisor.js';
import { FakeClock } from '../helpers/fake-clock.js';

const SIGUSR1 = 10;
const NULL_FD = 999;
const READY_CHILD_FD = 77;

function harness(
	outcome: (plan: SpawnPlan) => SpawnOutcome = () => ({ ok: true, pid: 100 + Math.floor(Math.random() * 1000) }),
) {
	const clock = new FakeClock();
	const closed: number[] = [];
	const events: string[] = [];
	const statuses: string[] = [];
	const spawned: SpawnPlan[] = [];
	const killed: Array<[number, number]> = [];
	/** The live processes of each service's tree, as the fake host reports them. */
	const trees = new Map<string, number[]>();
	const treeSignals: Array<[string, number, number]> = [];
	const supervisor = new Supervisor({
		clock,
		closeFd: fd => closed.push(fd),
		host: {
			spawn(plan) {
				spawned.push(plan);
				return outcome(plan);
			},
			kill(pid, signal) {
				killed.push([pid, signal]);
			},
			tree: service => (trees.get(service) ?? []).map(pid => ({ pid, command: 'x' })),
			signalTree(service, leader, signal) {
				treeSignals.push([service, leader, signal]);
			},
			usage: () => ({ cgroup: null, cpuUsec: null, memoryBytes: null }),
			release() {},
		},
		log: new Logger(),
		// service.status lines (an opt-in topic) are kept apart: the 1.1 stream is what most tests check.
		readiness: {
			openPipe: () => ({ childFd: READY_CHILD_FD, spawned() {}, failed() {} }),
			notifySocket: () => '@test',
		},
		emit: (event: DaemonEvent) => (event.type === 'service.status' ? statuses : events).push(formatEvent(event)),
	});
	// A stand-in descriptor number: nothing in these tests closes or uses it.
	supervisor.handles.seed({
		name: 'null',
		fd: NULL_FD,
		type: 'special',
		flags: 'read,write',
		description: '/dev/null',
		constant: true,
		peer: null,
	});
	return {
		supervisor,
		events,
		statuses,
		spawned,
		killed,
		closed,
		clock,
		trees,
		treeSignals,
		/** One loop turn: what is due now runs (a start requested for now spawns). */
		tick() {
			clock.advance(0);
		},
		advance(ms: number) {
			clock.advance(ms);
		},
	};
}

test('start, up, exit: events in order with whole-second timestamps', t => {
	const h = harness(() => ({ ok: true, pid: 4242 }));
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.advance(2500);
	h.supervisor.childrenExited([{ pid: 4242, code: 7, signal: null }]);
	t.deepEqual(h.events, [
		'service.args\tweb\t/bin/true',
		'service.state\tweb\tstart\t1000\t-\t-\t-\t-\t-',
		'service.state\tweb\tup\t1000\t4242\t-\t-\t0\t-',
		'service.state\tweb\tdown\t1002\t4242\texit\t7\t2\t0',
	]);
	t.deepEqual(h.spawned[0]?.fds, [NULL_FD, NULL_FD, NULL_FD]);
});

test('death by a signal is reported by name', t => {
	const h = harness(() => ({ ok: true, pid: 77 }));
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.supervisor.childrenExited([{ pid: 77, code: null, signal: 15 }]);
	t.regex(h.events.at(-1) ?? '', /^service\.state\tweb\tdown\t\d+\t77\tsignal\tSIGTERM\t/);
});

test('a pending signal starts its triggered services and keeps restarting them until cleared', t => {
	const h = harness(() => ({ ok: true, pid: 55 }));
	h.supervisor.setArgs('handler', ['/bin/true']);
	h.supervisor.setAutoUp('handler', 1, ['SIGUSR1']);
	t.is(h.supervisor.service('handler')?.phase, 'down');
	h.supervisor.signalArrived(SIGUSR1);
	t.is(h.supervisor.service('handler')?.phase, 'start');
	h.tick();
	h.advance(10);
	h.supervisor.childrenExited([{ pid: 55, code: 0, signal: null }]);
	t.is(h.supervisor.service('handler')?.phase, 'start', 'restarted while the count is non-zero');
	h.supervisor.signals.clear(SIGUSR1, 1n);
	h.advance(1000); // the restart after a short run waits one interval
	t.is(h.supervisor.service('handler')?.phase, 'up');
	h.supervisor.childrenExited([{ pid: 55, code: 0, signal: null }]);
	t.is(h.supervisor.service('handler')?.phase, 'down', 'no restart once cleared');
});

test('setting `always` on a down service starts it: the start line precedes the auto_up line (§7.6)', t => {
	const h = harness();
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.setAutoUp('web', 3, ['always']);
	t.regex(h.events[1] ?? '', /^service\.state\tweb\tstart\t/);
	t.is(h.events[2], 'service.auto_up\tweb\t3\talways');
});

test('a retryable spawn failure schedules a retry 3 s later; an exec failure reads as exit 3', t => {
	const retry = harness(() => ({ ok: false, code: 'EAGAIN', message: 'Resource temporarily unavailable' }));
	retry.supervisor.setArgs('web', ['/bin/true']);
	retry.supervisor.requestStart('web', retry.supervisor.now);
	retry.tick();
	t.is(retry.supervisor.service('web')?.startAt, retry.supervisor.now + 3000);
	retry.advance(2999);
	t.is(retry.spawned.length, 1, 'not retried early');
	retry.advance(1);
	t.is(retry.spawned.length, 2, 'retried at 3 s');
	retry.supervisor.delete('web');
	t.is(retry.clock.pending, 0, 'delete cancels the retry timer');
	const exec = harness(() => ({ ok: false, code: 'ENOENT', message: 'No such file or directory' }));
	exec.supervisor.setArgs('web', ['/nope']);
	exec.supervisor.requestStart('web', exec.supervisor.now);
	exec.tick();
	t.regex(exec.events.at(-1) ?? '', /^service\.state\tweb\tdown\t\d+\t-\texit\t3\t0\t0$/);
});

test('a descriptor list naming a missing handle fails the start without spawning', t => {
	const h = harness();
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.setFds('web', ['null', 'nope', '-', '']);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	t.is(h.spawned.length, 0);
	t.is(h.supervisor.service('web')?.exit?.value, '3');
});

test('`-` and empty entries close their position instead of shifting later ones', t => {
	const h = harness();
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.setFds('web', ['-', '', 'null']);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	t.deepEqual(h.spawned[0]?.fds, [-1, -1, NULL_FD]);
});

test('signalService targets the pid, or the whole tree with `group`', t => {
	const h = harness(() => ({ ok: true, pid: 300 }));
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.supervisor.signalService('web', 15, false);
	h.supervisor.signalService('web', 9, true);
	t.deepEqual(h.killed, [[300, 15]]);
	t.deepEqual(h.treeSignals, [['web', 300, 9]]);
});

test('delete forgets the service and cancels its pending start', t => {
	const h = harness();
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.requestStart('web', h.supervisor.now + 60_000);
	h.supervisor.delete('web');
	t.is(h.supervisor.service('web'), undefined);
	t.is(h.events.at(-1), 'service.state\tweb\tdeleted\t-\t-\t-\t-\t-\t-');
});

// ---- lifecycle: readiness, deadlines, restart policy (issue 14) ----------------------------

const SIGTERM = 15;
const SIGKILL = 9;
const readyFields = (line: string | undefined): string | undefined => line?.split('\t')[2];

test('a notified READY=1 makes the run ready; a message for another pid changes nothing', t => {
	const h = harness(() => ({ ok: true, pid: 500 }));
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.setNotify('web', true, 0);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	t.is(readyFields(h.statuses.at(-1)), 'ready=no');
	h.supervisor.notified('web', 501, { ready: true });
	t.is(readyFields(h.statuses.at(-1)), 'ready=no');
	h.supervisor.notified('web', 500, { ready: true, status: 'serving' });
	t.is(
		h.statuses.at(-1),
		'service.status\tweb\tready=yes\trestarts=0\tfailed=no\tlastExit=-\tkilled=-\tstatus=serving',
	);
	t.deepEqual(h.spawned[0]?.env, ['NOTIFY_SOCKET=@test']);
});

test('a service without a readiness method reports ready as -', t => {
	const h = harness(() => ({ ok: true, pid: 500 }));
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	t.is(readyFields(h.statuses.at(-1)), 'ready=-');
});

test('not ready within the ready timeout: SIGTERM, SIGKILL after the grace, and the exit says why', t => {
	const h = harness(() => ({ ok: true, pid: 600 }));
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.setNotify('web', true, 0);
	h.supervisor.setReadyTimeout('web', 5000);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.advance(4999);
	t.deepEqual(h.killed, []);
	h.advance(1);
	t.deepEqual(h.killed, [[600, SIGTERM]]);
	h.advance(5000);
	t.deepEqual(h.killed, [
		[600, SIGTERM],
		[600, SIGKILL],
	]);
	h.supervisor.childrenExited([{ pid: 600, code: null, signal: SIGKILL }]);
	t.regex(h.statuses.at(-1) ?? '', /\tlastExit=signal:SIGKILL\tkilled=ready_timeout\t/);
});

test('ready in time cancels the ready timeout', t => {
	const h = harness(() => ({ ok: true, pid: 601 }));
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.setNotify('web', true, 0);
	h.supervisor.setReadyTimeout('web', 5000);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.advance(1000);
	h.supervisor.notified('web', 601, { ready: true });
	h.advance(60_000);
	t.deepEqual(h.killed, []);
});

test('the watchdog: each WATCHDOG=1 rearms it; silence stops the service', t => {
	const h = harness(() => ({ ok: true, pid: 700 }));
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.setNotify('web', true, 2000);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.supervisor.notified('web', 700, { ready: true });
	for (let i = 0; i < 5; i++) {
		h.advance(1500);
		h.supervisor.notified('web', 700, { watchdog: true });
	}
	t.deepEqual(h.killed, []);
	h.advance(2000);
	t.deepEqual(h.killed, [[700, SIGTERM]]);
	t.regex(h.statuses.at(-1) ?? '', /\tready=no\t.*\tkilled=watchdog\t/);
});

test('STOPPING=1 drops readiness and the watchdog', t => {
	const h = harness(() => ({ ok: true, pid: 701 }));
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.setNotify('web', true, 2000);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.supervisor.notified('web', 701, { ready: true });
	h.supervisor.notified('web', 701, { stopping: true });
	h.advance(10_000);
	t.deepEqual(h.killed, []);
	t.is(readyFields(h.statuses.at(-1)), 'ready=no');
});

test('a crash loop with backoff: start times 1, 2, 4, 8 s after each exit, and restarts grows', t => {
	let pid = 800;
	const h = harness(() => ({ ok: true, pid: ++pid }));
	h.supervisor.setArgs('web', ['/bin/false']);
	h.supervisor.setBackoff('web', { maxMs: 30_000, resetMs: 30_000 });
	h.supervisor.setAutoUp('web', 1, ['always']);
	h.tick();
	const gaps: number[] = [];
	for (let i = 0; i < 4; i++) {
		h.supervisor.childrenExited([{ pid, code: 1, signal: null }]);
		const exitedAt = h.clock.now();
		const before = h.spawned.length;
		while (h.spawned.length === before) h.advance(100);
		gaps.push(h.clock.now() - exitedAt);
	}
	t.deepEqual(gaps, [1000, 2000, 4000, 8000]);
	t.regex(h.statuses.at(-1) ?? '', /\trestarts=4\t.*\tlastExit=exit:1\t/);
});

test('past the restart limit the service is failed: no trigger starts it, a start by hand does', t => {
	let pid = 900;
	const h = harness(() => ({ ok: true, pid: ++pid }));
	h.supervisor.setArgs('web', ['/bin/false']);
	h.supervisor.setRestartLimit('web', { count: 2, windowMs: 60_000 });
	h.supervisor.setAutoUp('web', 1, ['always']);
	h.tick();
	for (let i = 0; i < 3; i++) {
		h.supervisor.childrenExited([{ pid, code: 1, signal: null }]);
		h.advance(1000);
	}
	t.is(h.supervisor.service('web')?.phase, 'down');
	t.regex(h.statuses.at(-1) ?? '', /\trestarts=2\tfailed=yes\t/);
	const spawns = h.spawned.length;
	h.supervisor.setAutoUp('web', 1, ['always']);
	h.advance(10_000);
	t.is(h.spawned.length, spawns);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	t.is(h.spawned.length, spawns + 1);
	t.regex(h.statuses.at(-1) ?? '', /\tfailed=no\t/);
});

test('service.env entries reach the spawn plan; a watchdog adds WATCHDOG_USEC', t => {
	const h = harness();
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.setEnv('web', ['A=1', 'B=two words']);
	h.supervisor.setNotify('web', true, 3000);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	t.deepEqual(h.spawned[0]?.env, ['A=1', 'B=two words', 'NOTIFY_SOCKET=@test', 'WATCHDOG_USEC=3000000']);
});

test('`ready` in service.fds becomes the readiness pipe at its position', t => {
	const h = harness();
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.setFds('web', ['null', 'ready']);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	t.deepEqual(h.spawned[0]?.fds, [NULL_FD, READY_CHILD_FD]);
	t.is(readyFields(h.statuses.at(-1)), 'ready=no');
});

test('the output handle: the capture pipe at stdout and stderr; elsewhere, or a real handle named output', t => {
	const clock = new FakeClock();
	const spawned: SpawnPlan[] = [];
	const asked: string[] = [];
	let pipes = true;
	const supervisor = new Supervisor({
		clock,
		closeFd() {},
		host: {
			spawn: plan => (spawned.push(plan), { ok: true, pid: 100 + spawned.length }),
			kill() {},
			tree: () => [],
			signalTree() {},
			usage: () => ({ cgroup: null, cpuUsec: null, memoryBytes: null }),
			release() {},
		},
		log: new Logger({ filter: 'none' }),
		emit() {},
		output: {
			childFd: (service, stream) => (
				asked.push(`${service} ${stream}`),
				pipes ? (stream === 'stdout' ? 41 : 42) : null
			),
		},
	});
	const start = (name: string, fds: string[]): void => {
		supervisor.setArgs(name, ['/bin/true']);
		supervisor.setFds(name, fds);
		supervisor.requestStart(name, clock.now());
		clock.advance(0);
	};
	start('web', ['-', 'output', 'output']);
	t.deepEqual(spawned.at(-1)?.fds, [-1, 41, 42]);
	t.deepEqual(asked, ['web stdout', 'web stderr']);
	start('bad', ['output']);
	t.is(spawned.length, 1, 'position 0 cannot be captured: no spawn');
	t.is(supervisor.service('bad')?.phase, 'down');
	pipes = false;
	start('nopipe', ['-', 'output']);
	t.is(spawned.length, 1, 'no pipe: no spawn (retried like a failed fork)');
	supervisor.handles.seed({
		name: 'output',
		fd: 7,
		type: 'file',
		flags: 'write',
		description: '/tmp/x',
		constant: false,
		peer: null,
	});
	start('own', ['-', 'output']);
	t.deepEqual(spawned.at(-1)?.fds, [-1, 7], 'a 1.1 handle called output is used as such');
});

test('leftovers: policy stop sends SIGTERM, SIGKILL after the grace, and the restart waits for it', t => {
	const h = harness(() => ({ ok: true, pid: 100 }));
	h.supervisor.setArgs('web', ['/bin/sh']);
	h.supervisor.setAutoUp('web', null, ['always']);
	h.tick();
	t.is(h.spawned.length, 1);
	h.trees.set('web', [200, 201]);
	h.advance(5000);
	h.events.length = 0;
	h.supervisor.childrenExited([{ pid: 100, code: 0, signal: null }]);
	t.true(h.events.includes('service.leftover\tweb\tstop\t200\t201'));
	t.deepEqual(h.treeSignals, [['web', 100, 15]]);
	h.advance(5000);
	t.is(h.spawned.length, 1, 'no new run while the old tree is being stopped');
	h.trees.set('web', [201]);
	h.advance(5000);
	t.deepEqual(h.treeSignals.at(-1), ['web', 100, 9]);
	t.true(h.events.includes('service.leftover\tweb\tkill\t201'));
	h.tick();
	t.is(h.spawned.length, 2, 'the start follows the SIGKILL');
});

test('leftovers: policy leave only reports; an empty tree reports nothing', t => {
	const h = harness(() => ({ ok: true, pid: 100 }));
	h.supervisor.setArgs('web', ['/bin/sh']);
	h.supervisor.setLeftovers('web', 'leave', 3);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.trees.set('web', [300]);
	h.supervisor.childrenExited([{ pid: 100, code: 0, signal: null }]);
	t.true(h.events.includes('service.leftover\tweb\tleave\t300'));
	t.deepEqual(h.treeSignals, []);
	h.trees.set('web', []);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.events.length = 0;
	h.supervisor.childrenExited([{ pid: 100, code: 0, signal: null }]);
	t.false(h.events.some(e => e.startsWith('service.leftover')));
});

test('stopTree: SIGTERM to the tree, SIGKILL after the grace only if something is left', t => {
	const h = harness(() => ({ ok: true, pid: 100 }));
	h.supervisor.setArgs('web', ['/bin/sh']);
	h.supervisor.setLeftovers('web', 'stop', 2);
	t.false(h.supervisor.stopTree('web'), 'never ran: nothing to stop');
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.trees.set('web', [100, 101]);
	t.true(h.supervisor.stopTree('web'));
	t.deepEqual(h.treeSignals, [['web', 100, 15]]);
	h.trees.set('web', []);
	h.advance(2000);
	t.deepEqual(h.treeSignals, [['web', 100, 15]], 'all gone: no SIGKILL');
	t.false(h.supervisor.isStoppingTree('web'));
});

test('a run ended by TERM to its whole tree: leftovers stopped whatever the policy, only SIGKILLs reported', t => {
	const h = harness(() => ({ ok: true, pid: 100 }));
	h.supervisor.setArgs('web', ['/bin/sh']);
	h.supervisor.setLeftovers('web', 'leave', 2);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.supervisor.signalService('web', 15, true);
	h.trees.set('web', [101]);
	h.events.length = 0;
	h.supervisor.childrenExited([{ pid: 100, code: null, signal: 15 }]);
	t.false(
		h.events.some(e => e.startsWith('service.leftover')),
		'no report while it may still be ending',
	);
	t.deepEqual(h.treeSignals, [
		['web', 100, 15],
		['web', 100, 15],
	]);
	h.advance(2000);
	t.true(h.events.includes('service.leftover\tweb\tkill\t101'));
	t.deepEqual(h.treeSignals.at(-1), ['web', 100, 9]);
});
