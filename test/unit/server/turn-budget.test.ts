// Unit tests of src/server/turn-budget.ts: so many lines per loop turn, the next turn marked by
// a deferred callback the test runs itself; waiters resume once each, in arrival order.

import test from 'ava';
import { TurnBudget } from '../../../src/server/turn-budget.js';

function manual(linesPerTurn: number) {
	let pending: (() => void)[] = [];
	const budget = new TurnBudget(linesPerTurn, run => pending.push(run));
	return {
		budget,
		get scheduled() {
			return pending.length;
		},
		turn(): void {
			const runs = pending;
			pending = [];
			for (const run of runs) run();
		},
	};
}

test('so many lines per turn, then false until the next turn', t => {
	const m = manual(3);
	t.true(m.budget.take());
	t.true(m.budget.take());
	t.true(m.budget.take());
	t.false(m.budget.take());
	t.is(m.scheduled, 1, 'one reset per turn, however often it is asked');
	m.turn();
	t.true(m.budget.take());
});

test('waiters resume on the next turn, in arrival order, once each', t => {
	const m = manual(1);
	const order: string[] = [];
	t.true(m.budget.take());
	m.budget.wait(() => order.push('a'));
	m.budget.wait(() => order.push('b'));
	t.deepEqual(order, []);
	m.turn();
	t.deepEqual(order, ['a', 'b']);
	m.turn();
	t.deepEqual(order, ['a', 'b']);
});

test('a waiter that finds the budget spent again waits for the turn after', t => {
	const m = manual(1);
	const got: string[] = [];
	const want = (name: string): void => {
		if (m.budget.take()) got.push(name);
		else m.budget.wait(() => want(name));
	};
	want('a');
	want('b');
	want('c');
	t.deepEqual(got, ['a']);
	m.turn();
	t.deepEqual(got, ['a', 'b']);
	m.turn();
	t.deepEqual(got, ['a', 'b', 'c']);
});
