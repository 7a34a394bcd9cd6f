// Line framing of the controller protocol (spec §2.1–§2.3, §5.2, §5.3, §7.1) against the real
// daemon over -i and over a control socket: echo, ignored lines, unknown commands, the 1023-byte
// limit, and bytes below 32. Every check reads replies up to an echo barrier (§2.5).

import { join } from 'node:path';
import test from 'ava';
import { SocketClient, startDaemon, tempDir } from './helpers/daemon.js';

test('echo: replies with everything after the first TAB; echo alone or echo\\t says nothing', async t => {
	const d = await startDaemon(t, []);
	t.deepEqual(await d.command('echo\thello\tworld'), ['hello\tworld']);
	t.deepEqual(await d.command('echo'), []);
	t.deepEqual(await d.command('echo\t'), []);
	t.deepEqual(await d.command('echo\t\t'), ['\t']);
	t.deepEqual(await d.command('echo\t\ttrailing\t'), ['\ttrailing\t']);
	t.deepEqual(await d.command('echo\t  spaced  '), ['  spaced  ']);
});

test('comments, blank and whitespace-only lines are ignored; a leading space is not', async t => {
	const d = await startDaemon(t, []);
	for (const line of ['#', '# comment', '#echo\tx', '', ' ', '\t', '  \t \r', '\r', '\0', ' \t\r\0 ']) {
		t.deepEqual(await d.command(line), [], JSON.stringify(line));
	}
	t.deepEqual(await d.command(' echo\tx'), ['error\tUnknown command:  echo']);
	t.deepEqual(await d.command('\techo\tx'), ['error\tUnknown command: ']);
	t.deepEqual(await d.command('echo\r'), ['error\tUnknown command: echo\r']);
	t.deepEqual(await d.command('echo\tx\r'), ['x\r']); // CR is just the last byte of the last field
	await d.stderr.waitFor(/^error: controller\[\d+\] sent unknown command {2}echo$/);
	t.pass();
});

test('verbs are matched exactly: object-prototype names and case variants are unknown commands', async t => {
	const d = await startDaemon(t, []);
	const verbs = [
		'__proto__',
		'constructor',
		'toString',
		'hasOwnProperty',
		'valueOf',
		'prototype',
		'ECHO',
		'Echo',
		'statedump2',
		'service',
		'service.',
		'service.start.',
		'fd',
		'nosuch.verb',
	];
	for (const verb of verbs) {
		t.deepEqual(await d.command(`${verb}\tx`), [`error\tUnknown command: ${verb}`]);
		t.deepEqual(await d.command(verb), [`error\tUnknown command: ${verb}`]);
	}
	t.deepEqual(await d.command('echo\tstill here'), ['still here']);
});

test('a 1023-byte line is accepted; a 1024-byte line gives "line too long" exactly once', async t => {
	const d = await startDaemon(t, []);
	const max = `echo\t${'a'.repeat(1018)}`;
	t.is(max.length, 1023);
	t.deepEqual(await d.command(max), ['a'.repeat(1018)]);
	t.deepEqual(await d.command(`${max}b`), ['error\tline too long']);
	// Far longer, and arriving in pieces: still one error, and the next line is intact.
	d.sendRaw(`echo\t${'c'.repeat(40_000)}`);
	d.sendRaw('d'.repeat(70_000));
	t.deepEqual(await d.command('e'.repeat(10)), ['error\tline too long']);
	t.deepEqual(await d.command('echo\tnext'), ['next']);
	// A long comment is dropped silently, however long.
	t.deepEqual(await d.command(`#${'x'.repeat(5000)}`), []);
	t.deepEqual(await d.command(`#${'x'.repeat(1022)}`), []);
	t.deepEqual(await d.command(`#${'x'.repeat(1023)}`), []);
	// The log (another pipe, complete once the daemon has exited) says so once per over-long line.
	d.closeStdin();
	await d.stderr.ended;
	const exceeds = d.stderr.seen.filter(line => /^error: controller\[\d+\] command exceeds buffer size$/.test(line));
	t.is(exceeds.length, 2);
});

test('bytes below 32 and above 127 pass through unchanged', async t => {
	const d = await startDaemon(t, []);
	const text = '\x01\x02\x07\x08\x0b\x0c\x1b[31m\x1f\x7f\x80\xe9\xff';
	t.deepEqual(await d.command(`echo\t${text}`), [text]);
	t.deepEqual(await d.command('service.tags\tctl\ta\x01b\t\x1b[0m\t\xe9'), [
		'service.tags\tctl\ta\x01b\t\x1b[0m\t\xe9',
	]);
	// Names keep their rule (§2.4): a control byte makes a name invalid.
	t.deepEqual(await d.command('service.tags\tbad\x01name'), [
		'error\tInvalid service name, for command "service.tags\tbad\x01name"',
	]);
	t.deepEqual(await d.command('\x01'), ['error\tUnknown command: \x01']);
});

test('the same framing over a control socket: echo, ignored lines, unknown commands, line too long', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	await startDaemon(t, ['-S', path], { interactive: false });
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	t.deepEqual(await client.command('echo\tover\tsocket'), ['over\tsocket']);
	t.deepEqual(await client.command('echo'), []);
	t.deepEqual(await client.command('echo\t\t'), ['\t']);
	t.deepEqual(await client.command('# comment'), []);
	t.deepEqual(await client.command(' \t '), []);
	t.deepEqual(await client.command(' echo\tx'), ['error\tUnknown command:  echo']);
	t.deepEqual(await client.command('__proto__'), ['error\tUnknown command: __proto__']);
	t.deepEqual(await client.command(`echo\t${'z'.repeat(1018)}`), ['z'.repeat(1018)]);
	t.deepEqual(await client.command(`echo\t${'z'.repeat(1019)}`), ['error\tline too long']);
	// Several commands in one write, split at odd places.
	client.sendRaw('echo\ton');
	client.sendRaw('e\necho\ttwo\nech');
	client.sendRaw('o\tthree\n');
	t.deepEqual(await client.command('echo\tfour'), ['one', 'two', 'three', 'four']);
});
