// The daemon's command handlers against the protocol's verb table (src/protocol/verbs.ts): the
// table is what the auth policy, dpctl and the console's help are derived from, so a handler
// without a row, or a row without a handler, is a verb one of them gets wrong.
// Must never spawn a process or open a socket.

import test from 'ava';
import { COMMANDS } from '../../../src/server/dispatch.js';
import { VERB_NAMES } from '../../../src/protocol/verbs.js';

test('the daemon handles exactly the verbs of the table', t => {
	const handled = [...COMMANDS.keys()];
	t.deepEqual(handled.filter(verb => !(VERB_NAMES as readonly string[]).includes(verb)), [], 'handlers without a row');
	t.deepEqual(VERB_NAMES.filter(verb => !COMMANDS.has(verb)), [], 'rows without a handler');
});
