// dpctl's fast command-line path: what it parses itself (protocol verbs verbatim, commands with
// their options) and what it leaves to yargs. Pure: command modules are loaded, nothing runs.

import test from 'ava';
import { fastParse } from '../../../src/dpctl/argv.js';
import { isProtocolVerb } from '../../../src/dpctl/verbs.js';

test('a protocol verb takes every later argument verbatim, dashes and all', async t => {
	t.like(await fastParse(['service.start', 'web', '-']), { kind: 'raw', verb: 'service.start', fields: ['web', '-'] });
	t.like(await fastParse(['terminate', '-1']), { kind: 'raw', verb: 'terminate', fields: ['-1'] });
	t.like(await fastParse(['echo', '--json', '']), { kind: 'raw', verb: 'echo', fields: ['--json', ''] });
	t.like(await fastParse(['log.filter', '+']), { kind: 'raw', fields: ['+'] });
});

test('global options before the verb, in every spelling', async t => {
	const expected = { kind: 'raw', args: { socket: '/s', timeout: 2.5, json: true }, verb: 'statedump' };
	t.like(await fastParse(['-S', '/s', '--timeout', '2.5', '--json', 'statedump']), expected);
	t.like(await fastParse(['-S/s', '--timeout=2.5', '--json', 'statedump']), expected);
	t.like(await fastParse(['--socket=/s', '--timeout', '2.5', '--json', '--', 'statedump']), expected);
	t.like(await fastParse(['--socket', '@abstract', 'statedump']), { args: { socket: '@abstract' } });
});

test('a command gets its positionals and options, in any order', async t => {
	const stop = await fastParse(['stop', 'web', '--kill', '-s', 'INT', 'db', '--timeout', '3']);
	t.is(stop.kind, 'command');
	if (stop.kind !== 'command') return;
	t.is(stop.command.command, 'stop <names..>');
	t.deepEqual(stop.args, { names: ['web', 'db'], kill: true, signal: 'INT', timeout: 3 });
	t.like(await fastParse(['wait', 'service.state:web', 'up', '--no-current']), {
		args: { pattern: 'service.state:web', fields: ['up'], current: false },
	});
	t.like(await fastParse(['status']), { kind: 'command', args: { names: [] } });
	t.like(await fastParse(['signal', 'HUP', 'web', '--group']), {
		args: { signal: 'HUP', names: ['web'], group: true },
	});
	t.like(await fastParse(['watch', '--', '-odd-pattern']), { args: { patterns: ['-odd-pattern'] } });
});

test('no verb: the console (or its usage error)', async t => {
	t.like(await fastParse([]), { kind: 'bare', args: {} });
	t.like(await fastParse(['-S', '/s']), { kind: 'bare', args: { socket: '/s' } });
});

test('everything else is left to yargs', async t => {
	for (const argv of [
		['--help'],
		['-h'],
		['--version'],
		['--bogus', 'statedump'],
		['-S'],
		['--timeout'],
		['bogus'],
		['stop'],
		['wait'],
		['stop', 'web', '--unknown'],
		['whoami', 'extra'],
		['signal', 'HUP'],
		['--json=yes', 'x.y'],
		['status', '--help'],
	]) {
		t.like(await fastParse(argv), { kind: 'yargs' }, argv.join(' '));
	}
});

test('protocol verbs: the known ones and any dotted lower-case word', t => {
	for (const verb of [
		'echo',
		'statedump',
		'exit',
		'terminate',
		'chdir',
		'service.auto_up',
		'conn.whoami',
		'events.resume',
		'future.verb',
	]) {
		t.true(isProtocolVerb(verb), verb);
	}
	for (const word of ['status', 'stop', 'watch', 'Service.start', 'foo', '.x', 'x.', '__proto__'])
		t.false(isProtocolVerb(word), word);
});
