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

function harness(
	outcome: (plan: SpawnPlan) => SpawnOutcome = () => ({ ok: true, pid: 100 + Math.floor(Math.random() * 1000) }),
) {
	const clock = new FakeClock();
	const closed: number[] = [];
	const events: string[] = [];
	const spawned: SpawnPlan[] = [];
	const killed: Array<[number, number]> = [];
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
		},
		log: new Logger(),
		emit: (event: DaemonEvent) => events.push(formatEvent(event)),
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
		spawned,
		killed,
		closed,
		clock,
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

test('signalService targets the pid, or the process group with `group`', t => {
	const h = harness(() => ({ ok: true, pid: 300 }));
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.requestStart('web', h.supervisor.now);
	h.tick();
	h.supervisor.signalService('web', 15, false);
	h.supervisor.signalService('web', 9, true);
	t.deepEqual(h.killed, [
		[300, 15],
		[-300, 9],
	]);
});

test('delete forgets the service and cancels its pending start', t => {
	const h = harness();
	h.supervisor.setArgs('web', ['/bin/true']);
	h.supervisor.requestStart('web', h.supervisor.now + 60_000);
	h.supervisor.delete('web');
	t.is(h.supervisor.service('web'), undefined);
	t.is(h.events.at(-1), 'service.state\tweb\tdeleted\t-\t-\t-\t-\t-\t-');
});

test('the output handle: the capture pipe at stdout and stderr; elsewhere, or a real handle named output', t => {
	const clock = new FakeClock();
	const spawned: SpawnPlan[] = [];
	const asked: string[] = [];
	let pipes = true;
	const supervisor = new Supervisor({
		clock,
		closeFd() {},
		host: { spawn: plan => (spawned.push(plan), { ok: true, pid: 100 + spawned.length }), kill() {} },
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
