// Unit tests of the stop/start model in the supervisor shell (service.stop, service.start's
// release, service.enable/disable) through fake ports: a held service is never restarted and keeps
// its auto_up configuration; SIGKILL follows after the grace only if the same process still runs.

import test from 'ava';
import type { DaemonEvent } from '../../../src/protocol/events.js';
import { formatEvent } from '../../../src/protocol/events.js';
import { Logger } from '../../../src/supervisor/logger.js';
import { Supervisor } from '../../../src/supervisor/supervisor.js';
import { FakeClock } from '../helpers/fake-clock.js';

const SIGTERM = 15;
const SIGKILL = 9;
const SIGUSR1 = 10;

function harness() {
	const clock = new FakeClock();
	const events: string[] = [];
	const killed: Array<[number, number]> = [];
	let nextPid = 100;
	const supervisor = new Supervisor({
		clock,
		closeFd: () => {},
		host: {
			spawn: () => ({ ok: true, pid: nextPid++ }),
			kill: (pid, signal) => void killed.push([pid, signal]),
			// service.stop signals the whole tree: recorded by its leader, as kill() would be.
			signalTree: (_service, leader, signal) => void killed.push([leader, signal]),
			tree: () => [],
			usage: () => ({ cgroup: null, cpuUsec: null, memoryBytes: null }),
			release() {},
		},
		log: new Logger(),
		emit: (event: DaemonEvent) => events.push(formatEvent(event)),
	});
	supervisor.handles.seed({
		name: 'null',
		fd: 999,
		type: 'special',
		flags: 'read,write',
		description: '/dev/null',
		constant: true,
		peer: null,
	});
	supervisor.setArgs('web', ['/bin/true']);
	supervisor.setAutoUp('web', 1, ['always']);
	clock.advance(0);
	return { supervisor, events, killed, clock, pid: () => supervisor.service('web')?.pid ?? null };
}

test('stop holds a supervised service down: TERM, no restart after its exit, auto_up kept', t => {
	const h = harness();
	const pid = h.pid() ?? 0;
	t.is(h.supervisor.stop('web', SIGTERM, 10_000), null);
	t.deepEqual(h.killed, [[pid, SIGTERM]]);
	t.is(h.events.at(-1), 'service.mode\tweb\theld\tenabled');
	h.clock.advance(3000);
	h.supervisor.childrenExited([{ pid, code: null, signal: SIGTERM }]);
	h.clock.advance(60_000);
	t.is(h.supervisor.service('web')?.phase, 'down', 'not restarted');
	t.deepEqual(h.killed, [[pid, SIGTERM]], 'no SIGKILL for a process that is gone');
	t.deepEqual(h.supervisor.service('web')?.triggers, ['always']);
	h.supervisor.setAutoUp('web', 2, ['always']);
	t.is(h.supervisor.service('web')?.phase, 'down', 'auto_up does not start a held service');
});

test('start releases the hold: the next crash is restarted as configured', t => {
	const h = harness();
	h.supervisor.stop('web', SIGTERM, null);
	h.supervisor.childrenExited([{ pid: h.pid() ?? 0, code: 0, signal: null }]);
	h.supervisor.release('web');
	t.is(h.events.at(-1), 'service.mode\tweb\t-\tenabled');
	h.supervisor.requestStart('web', h.supervisor.now);
	h.clock.advance(0);
	const pid = h.pid() ?? 0;
	h.clock.advance(5000);
	h.supervisor.childrenExited([{ pid, code: 1, signal: null }]);
	t.is(h.supervisor.service('web')?.phase, 'start');
});

test('SIGKILL after the grace when the same process still runs', t => {
	const h = harness();
	const pid = h.pid() ?? 0;
	h.supervisor.stop('web', SIGTERM, 2000);
	h.clock.advance(1999);
	t.deepEqual(h.killed, [[pid, SIGTERM]]);
	h.clock.advance(1);
	t.deepEqual(h.killed, [
		[pid, SIGTERM],
		[pid, SIGKILL],
	]);
	t.is(h.events.at(-1), `service.killed\tweb\t${pid}\t2`);
});

test('a stop of a service whose start is pending cancels it; a trigger signal does not start it', t => {
	const h = harness();
	h.supervisor.setAutoUp('web', 1, ['SIGUSR1']);
	h.supervisor.stop('web', SIGTERM, null);
	h.supervisor.childrenExited([{ pid: h.pid() ?? 0, code: 0, signal: null }]);
	h.supervisor.signalArrived(SIGUSR1);
	t.is(h.supervisor.service('web')?.phase, 'down');
});

test('disable keeps a running process and stops restarts; enable starts an `always` service that is down', t => {
	const h = harness();
	h.supervisor.setEnabled('web', false);
	t.is(h.events.at(-1), 'service.mode\tweb\t-\tdisabled');
	t.is(h.supervisor.service('web')?.phase, 'up');
	h.supervisor.childrenExited([{ pid: h.pid() ?? 0, code: 0, signal: null }]);
	t.is(h.supervisor.service('web')?.phase, 'down');
	h.supervisor.setEnabled('web', true);
	t.is(h.supervisor.service('web')?.phase, 'start');
	const before = h.events.length;
	h.supervisor.setEnabled('web', true);
	t.is(h.events.length, before, 'no change, no event');
});
