// Unit tests of src/protocol/patterns.ts: design §3 subscription patterns and glob matching,
// including inputs that would blow up a backtracking matcher.
// Must never spawn a process or open a socket.

import test from 'ava';
import { compilePattern, globMatch, matches, matchesAny, type Pattern } from '../../../src/protocol/patterns.js';

function p(src: string): Pattern {
	const c = compilePattern(src);
	if (c === null) {
		throw new Error(`pattern ${src} did not compile`);
	}
	return c;
}

test('topic-only patterns match every subject, including none', t => {
	t.true(matches(p('fd.state'), 'fd.state', 'x'));
	t.true(matches(p('signal'), 'signal', 'SIGHUP'));
	t.true(matches(p('overflow'), 'overflow', undefined));
	t.false(matches(p('fd.state'), 'service.state', 'x'));
	t.false(matches(p('fd.state'), 'fd.stat', 'x'));
	t.true(matches(p('*'), 'audit', undefined));
	t.true(matches(p('service.*'), 'service.auto_up', 'web'));
	t.false(matches(p('service.*'), 'signal', 'SIGHUP'));
});

test('TOPIC:NAME patterns', t => {
	const nginx = p('service.state:nginx*');
	t.true(matches(nginx, 'service.state', 'nginx'));
	t.true(matches(nginx, 'service.state', 'nginx-2'));
	t.false(matches(nginx, 'service.state', 'xnginx'));
	t.false(matches(nginx, 'service.args', 'nginx'));
	t.false(matches(nginx, 'service.state', undefined));
	t.true(matches(p('*:web'), 'service.fds', 'web'));
	t.true(matches(p('signal:SIGUSR*'), 'signal', 'SIGUSR2'));
	t.true(matches(p('fd.state:*.log'), 'fd.state', 'app.log'));
	t.false(matches(p('fd.state:*.log'), 'fd.state', 'app.logx'));
});

test('invalid patterns do not compile', t => {
	for (const bad of ['', ':', 'service.state:', ':web', 'a:b:c', 'a b', 'a?', 'sig[n]al', 'x'.repeat(129), 'a\tb']) {
		t.is(compilePattern(bad), null, JSON.stringify(bad));
	}
});

test('glob matching with several stars', t => {
	const g = (s: string): readonly string[] => s.split('*');
	t.true(globMatch(g('a*b*c'), 'abc'));
	t.true(globMatch(g('a*b*c'), 'aXbYbZc'));
	t.false(globMatch(g('a*b*c'), 'acb'));
	t.true(globMatch(g('a**'), 'a'));
	t.true(globMatch(g('*a*'), 'bab'));
	t.false(globMatch(g('ab*ba'), 'aba'));
	t.true(globMatch(g('ab*ba'), 'abba'));
	t.true(globMatch(g('*'), ''));
	t.true(globMatch(g('x'), 'x'));
	t.false(globMatch(g('x'), 'xx'));
});

test('adversarial globs stay fast', t => {
	const glob = `${'a*'.repeat(60)}b`;
	const subject = 'a'.repeat(5000);
	const start = process.hrtime.bigint();
	t.false(globMatch(glob.split('*'), subject));
	t.true(Number(process.hrtime.bigint() - start) < 50e6);
});

test('matchesAny over a subscription set', t => {
	const set = [p('fd.state'), p('service.state:web')];
	t.true(matchesAny(set, 'fd.state', 'x'));
	t.true(matchesAny(set, 'service.state', 'web'));
	t.false(matchesAny(set, 'service.state', 'db'));
	t.false(matchesAny([], 'signal', 'SIGHUP'));
});
