// dpctl's service arguments: names, `all`, and shell-style globs, resolved against the daemon's
// services before anything is done.

import test from 'ava';
import { globMatches, resolveNames } from '../../../src/dpctl/names.js';

const KNOWN = ['db', 'web', 'web-1', 'web2', 'worker'];

test('globs: *, ?, classes, ranges and negation', t => {
	t.true(globMatches('web*', 'web'));
	t.true(globMatches('web*', 'web-1'));
	t.false(globMatches('web?', 'web'));
	t.true(globMatches('web?', 'web2'));
	t.true(globMatches('w[eo]*', 'worker'));
	t.true(globMatches('web[0-9]', 'web2'));
	t.false(globMatches('web[!0-9]', 'web2'));
	t.true(globMatches('*', ''));
	t.false(globMatches('[abc', 'a'), 'an unclosed class is a literal [');
	t.true(globMatches('[abc', '[abc'));
});

test('resolveNames: in the order given, each once; what matches nothing is missing', t => {
	t.deepEqual(resolveNames(KNOWN, ['web*', 'web', 'db']), { names: ['web', 'web-1', 'web2', 'db'], missing: [] });
	t.deepEqual(resolveNames(KNOWN, ['all']), { names: KNOWN, missing: [] });
	t.deepEqual(resolveNames(KNOWN, ['web', 'nosuch', 'x*']), { names: ['web'], missing: ['nosuch', 'x*'] });
	t.deepEqual(resolveNames([], ['all']), { names: [], missing: [] });
});
