// Unit tests of src/protocol/verbs.ts: the verb table's lookups and the shape of its rows.

import test from 'ava';
import { isVerb, VERB_NAMES, VERBS, verbSpec } from '../../../src/protocol/verbs.js';

test('lookups: a verb has its row; anything else, `__proto__` included, has none', t => {
	t.true(isVerb('service.start'));
	t.is(verbSpec('service.start')?.class, 'control');
	t.is(verbSpec('conn.event_timeout')?.class, 'read');
	for (const word of ['', 'Service.start', 'service.start ', 'status', '__proto__', 'constructor', 'toString']) {
		t.false(isVerb(word), word);
		t.is(verbSpec(word), undefined, word);
	}
});

test('rows: lower-case verbs, one summary line each; only exit and terminate close, only fd.take passes a descriptor', t => {
	t.deepEqual(VERB_NAMES, [...VERBS.keys()]);
	for (const [verb, spec] of VERBS) {
		t.regex(verb, /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$/, verb);
		t.true(spec.summary.length > 0 && !/[\t\n]/.test(spec.summary + spec.usage), verb);
	}
	t.deepEqual(
		VERB_NAMES.filter(verb => verbSpec(verb)?.closes),
		['exit', 'terminate'],
	);
	t.deepEqual(
		VERB_NAMES.filter(verb => verbSpec(verb)?.passesFd),
		['fd.take'],
	);
});
