// Unit tests of the restart policy's arithmetic (service.backoff, service.restart_limit): pure
// functions of the history and the clock, so a crash loop is a fold over exits.

import test from 'ava';
import { decideRestart, FRESH_HISTORY, type RestartHistory } from '../../../src/supervisor/restart-policy.js';

const SECOND = 1000;

/** Delays of a loop of instant crashes, one exit per delay. */
function crashLoop(backoff: { maxMs: number; resetMs: number } | null, runs: number): number[] {
	let history: RestartHistory = FRESH_HISTORY;
	let now = 0;
	const delays: number[] = [];
	for (let i = 0; i < runs; i++) {
		const decision = decideRestart(backoff, null, SECOND, history, 10, now);
		if (decision.kind !== 'restart') throw new Error('no limit was set');
		delays.push(decision.at - now);
		history = decision.history;
		now = decision.at + 10;
	}
	return delays;
}

test('without backoff every short run waits one interval (1.1)', t => {
	t.deepEqual(crashLoop(null, 4), [SECOND, SECOND, SECOND, SECOND]);
});

test('backoff doubles the delay after each short run, from the interval up to MAX', t => {
	t.deepEqual(
		crashLoop({ maxMs: 10 * SECOND, resetMs: 10 * SECOND }, 6),
		[1, 2, 4, 8, 10, 10].map(s => s * SECOND),
	);
});

test('a run of at least RESET starts the doubling over (and restarts at once after a long run)', t => {
	const backoff = { maxMs: 60 * SECOND, resetMs: 30 * SECOND };
	const grown: RestartHistory = { delayMs: 16 * SECOND, recent: [] };
	const long = decideRestart(backoff, null, SECOND, grown, 31 * SECOND, 100 * SECOND);
	t.deepEqual(long, { kind: 'restart', at: 100 * SECOND, history: { delayMs: 0, recent: [] } });
	const short = decideRestart(backoff, null, SECOND, long.history, 0, 200 * SECOND);
	t.is(short.kind === 'restart' ? short.at : null, 201 * SECOND);
});

test('a run shorter than RESET but longer than the interval still doubles', t => {
	const backoff = { maxMs: 60 * SECOND, resetMs: 30 * SECOND };
	const decision = decideRestart(backoff, null, SECOND, { delayMs: 4 * SECOND, recent: [] }, 10 * SECOND, 0);
	t.is(decision.kind === 'restart' ? decision.at : null, 8 * SECOND);
});

test('the restart limit allows COUNT restarts within WINDOW, then the service has failed', t => {
	const limit = { count: 3, windowMs: 60 * SECOND };
	let history: RestartHistory = FRESH_HISTORY;
	const kinds: string[] = [];
	for (let i = 0; i < 4; i++) {
		const decision = decideRestart(null, limit, SECOND, history, 0, i * 2 * SECOND);
		kinds.push(decision.kind);
		history = decision.history;
	}
	t.deepEqual(kinds, ['restart', 'restart', 'restart', 'failed']);
});

test('restarts older than the window no longer count', t => {
	const limit = { count: 2, windowMs: 10 * SECOND };
	const history: RestartHistory = { delayMs: 0, recent: [0, 1 * SECOND] };
	t.is(decideRestart(null, limit, SECOND, history, 0, 5 * SECOND).kind, 'failed');
	const later = decideRestart(null, limit, SECOND, history, 0, 10.5 * SECOND);
	t.is(later.kind, 'restart');
	t.deepEqual(later.history.recent, [1 * SECOND, 10.5 * SECOND]);
});

test('a limit of 0 fails at the first exit', t => {
	t.is(decideRestart(null, { count: 0, windowMs: SECOND }, SECOND, FRESH_HISTORY, 0, 0).kind, 'failed');
});
