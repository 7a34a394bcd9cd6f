// The console's input side: splitting a typed line into fields, completion from the live state,
// the history file's place, and the help text covering every verb.

import test from 'ava';
import { complete } from '../../../src/dpctl/completer.js';
import { consoleHelp, VERB_SYNOPSES } from '../../../src/dpctl/console-help.js';
import { historyPath } from '../../../src/dpctl/history.js';
import { PROTOCOL_VERBS } from '../../../src/dpctl/verbs.js';
import { splitWords } from '../../../src/dpctl/words.js';
import { snapshotFromLines } from '../../../src/client/snapshot.js';

test('words: spaces separate, quotes group, empty quotes are an empty field', t => {
	t.deepEqual(splitWords('service.args  web /bin/sh -c "echo \\"hi\\" there"'), {
		ok: true,
		words: ['service.args', 'web', '/bin/sh', '-c', 'echo "hi" there'],
	});
	t.deepEqual(splitWords("echo 'a  b' '' c"), { ok: true, words: ['echo', 'a  b', '', 'c'] });
	t.deepEqual(splitWords("a'b c'd"), { ok: true, words: ['ab cd'] });
	t.deepEqual(splitWords('   '), { ok: true, words: [] });
	t.false(splitWords("echo 'open").ok);
	t.false(splitWords('echo "open').ok);
});

const snap = snapshotFromLines([
	'fd.state\tclock.r\tpipe\tfrom\tclock.w',
	'fd.state\tclock.w\tpipe\tto\tclock.r',
	'service.state\tweb\tup\t5\t42\t-\t-\t0\t-',
	'service.state\tworker\tdown\t-\t-\t-\t-\t-\t-',
]);

test('completion: verbs first, then names by argument position', t => {
	t.deepEqual(complete('service.st', snap), [['service.start', 'service.stop'], 'service.st']);
	t.deepEqual(complete('st', snap)[0].sort(), ['start', 'statedump', 'status', 'stop']);
	t.deepEqual(complete('service.start w', snap), [['web', 'worker'], 'w']);
	t.deepEqual(complete('service.signal web T', snap), [['TERM'], 'T']);
	t.deepEqual(complete('fd.delete clock', snap), [['clock.r', 'clock.w'], 'clock']);
	t.deepEqual(complete('service.fds web null clock.', snap), [['clock.r', 'clock.w'], 'clock.']);
	t.deepEqual(complete('stop web wo', snap), [['worker'], 'wo']);
	t.deepEqual(complete('echo x', snap), [[], 'x']);
	t.deepEqual(complete('filter service.state:w', snap), [
		['service.state:web', 'service.state:worker'],
		'service.state:w',
	]);
	t.deepEqual(complete('log.dest ', snap), [['fd'], '']);
	t.deepEqual(complete('log.dest fd clock.', snap), [['clock.r', 'clock.w'], 'clock.']);
	t.deepEqual(complete('events.subscribe service.st', snap)[0].slice(0, 1), ['service.state']);
});

test('help names every protocol verb', t => {
	for (const verb of PROTOCOL_VERBS) t.true(Object.hasOwn(VERB_SYNOPSES, verb), verb);
	t.regex(consoleHelp('service.start'), /^service\.start NAME/);
	t.regex(consoleHelp(), /Tab completes/);
	t.is(consoleHelp('nope'), 'no such verb: nope');
});

test('history file: $DPCTL_HISTORY, else XDG_STATE_HOME, else ~/.local/state', t => {
	t.is(historyPath({ DPCTL_HISTORY: '/h' }), '/h');
	t.is(historyPath({ XDG_STATE_HOME: '/s', HOME: '/home/u' }), '/s/dpctl/history');
	t.is(historyPath({ HOME: '/home/u' }), '/home/u/.local/state/dpctl/history');
});
