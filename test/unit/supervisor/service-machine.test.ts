// Unit tests of the pure service lifecycle (spec §9): every phase × input that matters,
// with the restart-delay rule and the fixes of 1.1's accidents (no tight loop, one start).

import test from 'ava';
import {
	FORK_RETRY_MS,
	MIN_RESPAWN_INTERVAL_MS,
	newService,
	restartTime,
	transition,
	type ServiceInput,
	type ServiceRecord,
} from '../../../src/supervisor/service-machine.js';

function run(record: ServiceRecord, steps: Array<[ServiceInput, number]>): ServiceRecord {
	return steps.reduce((current, [input, now]) => transition(current, input, now).record, record);
}

const kinds = (record: ServiceRecord, input: ServiceInput, now: number): string[] =>
	transition(record, input, now).effects.map(effect => effect.kind);

test('request from down schedules a start and emits one state line', t => {
	const { record, effects } = transition(newService('web'), { kind: 'request', at: 5000 }, 1000);
	t.is(record.phase, 'start');
	t.is(record.startAt, 5000);
	t.deepEqual(effects, [
		{ kind: 'emitState', record },
		{ kind: 'schedule', at: 5000 },
	]);
});

test('request while up is ignored (a trigger never starts a running service)', t => {
	const up = run(newService('web'), [
		[{ kind: 'request', at: 0 }, 0],
		[{ kind: 'spawned', pid: 42 }, 10],
	]);
	t.is(up.phase, 'up');
	t.deepEqual(kinds(up, { kind: 'request', at: 20 }, 20), []);
});

test('request while pending re-schedules', t => {
	const pending = run(newService('web'), [[{ kind: 'request', at: 9000 }, 0]]);
	const { record } = transition(pending, { kind: 'request', at: 100 }, 100);
	t.is(record.startAt, 100);
});

test('cancel returns a pending start to down and forgets the previous exit', t => {
	const exited = run(newService('web'), [
		[{ kind: 'request', at: 0 }, 0],
		[{ kind: 'spawned', pid: 7 }, 0],
		[{ kind: 'exited', reason: 'exit', value: '1', autoStart: false }, 5000],
		[{ kind: 'request', at: 99_000 }, 5000],
	]);
	const { record, effects } = transition(exited, { kind: 'cancel' }, 6000);
	t.is(record.phase, 'down');
	t.is(record.exit, null);
	t.deepEqual(
		effects.map(e => e.kind),
		['unschedule', 'emitState'],
	);
});

test('exit without auto-start reports down with exit info and the last pid', t => {
	const record = run(newService('web'), [
		[{ kind: 'request', at: 0 }, 0],
		[{ kind: 'spawned', pid: 7 }, 1000],
		[{ kind: 'exited', reason: 'signal', value: 'SIGTERM', autoStart: false }, 3500],
	]);
	t.is(record.phase, 'down');
	t.is(record.pid, 7);
	t.deepEqual(record.exit, { at: 3500, reason: 'signal', value: 'SIGTERM', ranMs: 2500 });
});

test('a short run waits one interval after the exit; a long run restarts at once (§9.5)', t => {
	const service = { ...newService('web'), interval: 3 };
	t.is(restartTime(service, 1000, 10_000), 13_000);
	t.is(restartTime(service, 3000, 10_000), 10_000);
});

test('interval 0 never makes a tight loop: at least MIN_RESPAWN_INTERVAL_MS between a short run and its restart', t => {
	const record = run(newService('web'), [
		[{ kind: 'request', at: 0 }, 0],
		[{ kind: 'spawned', pid: 7 }, 0],
		[{ kind: 'exited', reason: 'exit', value: '1', autoStart: true }, 1],
	]);
	t.is(record.phase, 'start');
	t.is(record.startAt, 1 + MIN_RESPAWN_INTERVAL_MS);
});

test('an automatic restart reports the down state, then exactly one start line (1.1 emitted two)', t => {
	const up = run(newService('web'), [
		[{ kind: 'request', at: 0 }, 0],
		[{ kind: 'spawned', pid: 7 }, 0],
	]);
	const { effects } = transition(up, { kind: 'exited', reason: 'exit', value: '0', autoStart: true }, 100);
	t.deepEqual(
		effects.map(effect => effect.kind),
		['unschedule', 'emitState', 'emitState', 'schedule'],
	);
	const phases = effects.flatMap(effect => (effect.kind === 'emitState' ? [effect.record.phase] : []));
	t.deepEqual(phases, ['down', 'start']);
});

test('a retryable spawn failure retries after FORK_RETRY_MS', t => {
	const pending = run(newService('web'), [[{ kind: 'request', at: 0 }, 0]]);
	const { record } = transition(pending, { kind: 'spawnFailed', retry: true, autoStart: false }, 500);
	t.is(record.phase, 'start');
	t.is(record.startAt, 500 + FORK_RETRY_MS);
});

test('a program that cannot be executed reads as exit 3, and auto-start still honours the interval', t => {
	const pending = run({ ...newService('web'), interval: 5 }, [[{ kind: 'request', at: 0 }, 0]]);
	const { record } = transition(pending, { kind: 'spawnFailed', retry: false, autoStart: true }, 100);
	t.is(record.phase, 'start');
	t.is(record.startAt, 5100);
	const stopped = transition(pending, { kind: 'spawnFailed', retry: false, autoStart: false }, 100).record;
	t.deepEqual(stopped.exit, { at: 100, reason: 'exit', value: '3', ranMs: 0 });
	t.is(stopped.pid, null);
});

test('inputs that do not apply to the phase change nothing', t => {
	const down = newService('web');
	for (const input of [
		{ kind: 'cancel' },
		{ kind: 'spawned', pid: 1 },
		{ kind: 'spawnFailed', retry: true, autoStart: true },
		{ kind: 'exited', reason: 'exit', value: '0', autoStart: true },
	] satisfies ServiceInput[]) {
		const result = transition(down, input, 0);
		t.is(result.record, down);
		t.deepEqual(result.effects, []);
	}
});
