// Unit tests of src/server/subscriptions.ts: design §3 default subscription, pattern sets, and the
// rule that `audit` is only ever delivered to a pattern naming it. Must never open a socket.

import test from 'ava';
import { MAX_PATTERNS, Subscriptions, namesAdminTopic, namesExplicitTopic } from '../../../src/server/subscriptions.js';
import type { Pattern } from '../../../src/protocol/patterns.js';

function compiled(...sources: string[]): Pattern[] {
	const result = Subscriptions.compile(sources);
	if (typeof result === 'string') throw new Error(result);
	return result;
}

test('a new connection gets every topic except audit (the 1.1 stream)', t => {
	const s = new Subscriptions();
	t.deepEqual(s.sources, ['*']);
	for (const topic of ['service.state', 'service.args', 'fd.state', 'signal', 'some.new.topic'])
		t.true(s.matches(topic, 'x'), topic);
	t.true(s.matches('service.state', undefined));
	t.false(s.matches('audit', 'service.start'));
});

test('narrowing: unsubscribe * then subscribe by topic and name glob', t => {
	const s = new Subscriptions();
	s.remove(['*']);
	t.false(s.matches('service.state', 'nginx'));
	t.is(s.add(compiled('service.state:nginx*', 'signal')), null);
	t.true(s.matches('service.state', 'nginx'));
	t.true(s.matches('service.state', 'nginx-2'));
	t.false(s.matches('service.state', 'apache'));
	t.false(s.matches('service.state', undefined), 'a NAME part needs a subject');
	t.true(s.matches('signal', 'SIGHUP'));
	t.false(s.matches('fd.state', 'x'));
	s.remove(['signal', 'not-held']);
	t.deepEqual(s.sources, ['service.state:nginx*']);
});

test('audit needs a pattern naming it; globs never match it', t => {
	const s = new Subscriptions();
	t.is(s.add(compiled('audi*', '*:*', 'a*t')), null);
	t.false(s.matches('audit', 'service.start'));
	t.is(s.add(compiled('audit:service.*')), null);
	t.true(s.matches('audit', 'service.start'));
	t.false(s.matches('audit', 'fd.open'));
	t.is(s.add(compiled('audit')), null);
	t.true(s.matches('audit', 'fd.open'));
	t.true(namesExplicitTopic(compiled('audit:x')[0] as Pattern));
	t.false(namesExplicitTopic(compiled('aud*')[0] as Pattern));
});

test('duplicates are kept once; clear drops everything; the limit is all or nothing', t => {
	const s = new Subscriptions();
	t.is(s.add(compiled('*', 'signal', 'signal')), null);
	t.deepEqual(s.sources, ['*', 'signal']);
	s.clear();
	t.deepEqual(s.sources, []);
	t.false(s.matches('signal', 'SIGHUP'));
	const many = Array.from({ length: MAX_PATTERNS }, (_, i) => `service.state:s${i}`);
	t.is(s.add(compiled(...many)), null);
	t.regex(s.add(compiled('signal')) ?? '', /^too many patterns/);
	t.is(s.sources.length, MAX_PATTERNS);
	t.false(s.matches('signal', 'SIGHUP'));
});

test('compile reports the first invalid pattern', t => {
	t.is(Subscriptions.compile(['signal', 'bad pattern', '']), 'invalid pattern "bad pattern"');
	t.is(Subscriptions.compile(['']), 'invalid pattern ""');
	t.deepEqual(
		(Subscriptions.compile(['a:b']) as Pattern[]).map(p => p.source),
		['a:b'],
	);
});

test('service.status is explicit like audit (a 1.1 connection never sees it) but not admin-only', t => {
	const s = new Subscriptions();
	t.false(s.matches('service.status', 'web'));
	t.is(s.add(compiled('service.*')), null);
	t.false(s.matches('service.status', 'web'));
	t.is(s.add(compiled('service.status:w*')), null);
	t.true(s.matches('service.status', 'web'));
	const [pattern] = compiled('service.status');
	t.true(pattern !== undefined && namesExplicitTopic(pattern));
	t.false(pattern !== undefined && namesAdminTopic(pattern));
});
