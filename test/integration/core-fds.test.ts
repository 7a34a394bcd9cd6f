// What a child is given (spec §7.5, §9.4, design §5): exactly the descriptors its service.fds
// lists, at their positions, and nothing else of the daemon's (sockets, pipes, handles, its log);
// and programs that cannot run: refused by service.start, the daemon and its services unharmed.

import { chmod, readFile, writeFile } from 'node:fs/promises';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { fixture, processGone, SocketClient, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

function waitState(d: Daemon, name: string, state: string): Promise<string> {
	const prefix = `service.state\t${name}\t${state}\t`;
	return d.stdout.find(line => line.startsWith(prefix));
}

test("null, stdout, stderr: the child has fds 0-2 and nothing of the daemon's other descriptors", async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl.sock');
	const d = await startDaemon(t, ['-S', path], { interactive: false });
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	// Give the daemon more to leak: pipes, a file, a second connection.
	await client.command('fd.pipe\tx.r\tx.w');
	await client.command(`fd.open\tf\twrite,create\t${join(dir, 'unused')}`);
	const other = await SocketClient.connect(path);
	t.teardown(() => other.close());
	await other.command('echo');
	await client.command(`service.args\tp\t${fixture('print-fds.sh')}`);
	await client.command('service.fds\tp\tnull\tstdout\tstderr');
	const stdout = readlinkSync(`/proc/${d.pid}/fd/1`);
	const stderr = readlinkSync(`/proc/${d.pid}/fd/2`);
	client.send('service.start\tp');
	await client.lines.waitFor(/^service\.state\tp\tdown\t\d+\t\d+\texit\t0\t/);
	client.send('terminate\t0');
	await d.stdout.ended; // the child's output went to the daemon's stdout, which it alone shared
	t.deepEqual(d.stdout.seen, ['0 /dev/null', `1 ${stdout}`, `2 ${stderr}`]);
});

test('- closes a position; an empty entry does too (our fix); nothing beyond the list', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, []);
	await d.command('fd.pipe\tx.r\tx.w');
	await d.command(`service.args\tp\t${fixture('print-fds.sh')}`);
	const cases: Array<[string, string[]]> = [
		['null\tout\t-\tnull', ['0 /dev/null', '1 OUT', '3 /dev/null']],
		['null\tout\t\tout', ['0 /dev/null', '1 OUT', '3 OUT']],
		['-\tout\tnull\t-\t-\tx.r', ['1 OUT', '2 /dev/null', `5 pipe:[*]`]],
	];
	for (const [i, [list, expected]] of cases.entries()) {
		const file = join(dir, `fds-${i}`);
		await d.command(`fd.open\tout\twrite,create,trunc\t${file}`);
		await d.command(`service.fds\tp\t${list}`);
		const from = d.stdout.seen.length;
		d.send('service.start\tp');
		await d.stdout.find(/^service\.state\tp\tdown\t\d+\t\d+\texit\t0\t/, from);
		const lines = (await readFile(file, 'latin1'))
			.split('\n')
			.filter(line => line !== '')
			.map(line => line.replace(file, 'OUT').replace(/pipe:\[\d+\]/, 'pipe:[*]'));
		t.deepEqual(lines, expected, list);
	}
});

test('a program that does not exist or cannot be executed: service.start refuses; all else runs on', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, []);
	await d.command(`service.args\tkeep\t${fixture('sleep-forever.sh')}`);
	d.send('service.start\tkeep');
	const up = await waitState(d, 'keep', 'up');
	const notExecutable = join(dir, 'not-executable');
	await writeFile(notExecutable, '#!/bin/sh\nexit 0\n');
	await chmod(notExecutable, 0o644);
	const cases: Array<[string, string]> = [
		[join(dir, 'missing'), 'No such file or directory'],
		['dpt-no-such-program-in-path', 'No such file or directory'],
		[notExecutable, 'Permission denied'],
		[dir, 'Permission denied'],
	];
	for (const [i, [program, reason]] of cases.entries()) {
		await d.command(`service.args\tbad${i}\t${program}\targ`);
		t.deepEqual(await d.command(`service.start\tbad${i}`), [
			`error\tcannot execute "${program}": ${reason}, for command "service.start\tbad${i}"`,
		]);
	}
	t.deepEqual(await d.command('echo\talive'), ['alive']);
	const dump = await d.command('statedump');
	t.true(
		dump.some(line => line.startsWith(up.split('\t').slice(0, 5).join('\t') + '\t')),
		'keep is still up with its pid',
	);
	for (let i = 0; i < cases.length; i++) t.true(dump.includes(`service.state\tbad${i}\tdown\t-\t-\t-\t-\t-\t-`));
	t.false(processGone(Number(up.split('\t')[4])));
});

test('an automatic start of a missing program: logged, down … exit 3 without an up, restarted later', async t => {
	const d = await startDaemon(t, []);
	await d.command('service.args\tauto\t/nonexistent/program');
	d.send('service.auto_up\tauto\t5\talways');
	const down = await waitState(d, 'auto', 'down');
	t.regex(down, /^service\.state\tauto\tdown\t\d+\t-\texit\t3\t0\t0$/);
	await d.stderr.waitFor('error: exec(/nonexistent/program, ...) failed: No such file or directory');
	const lines = await d.command('service.auto_up\tauto\t-');
	const states = d.stdout.seen
		.filter(line => line.startsWith('service.state\tauto\t'))
		.map(line => line.split('\t')[2]);
	t.deepEqual(states, ['start', 'down', 'start']);
	t.is(lines.at(-1), 'service.auto_up\tauto\t-');
	t.deepEqual(await d.command('service.start\tauto\t-'), ['service.state\tauto\tdown\t-\t-\t-\t-\t-\t-']);
	// A listed handle that does not exist when the service starts: the same, with its own log line.
	await d.command(`service.args\tnofd\t${fixture('exit-with.sh')}`);
	await d.command('service.fds\tnofd\tnull\tnope\tnull');
	d.send('service.start\tnofd');
	t.regex(await waitState(d, 'nofd', 'down'), /^service\.state\tnofd\tdown\t\d+\t-\texit\t3\t0\t0$/);
	await d.stderr.waitFor('error: file descriptor "nope" does not exist');
});

// Regression (fixed): when the daemon's stderr (or, under -i, its stdin/stdout) is a socket, as under
// systemd's journal or Node's child_process, the log writer sets O_NONBLOCK on that shared open file
// description (private-writer.ts falls back to dup + setNonblock for sockets). Every service given
// the `stderr` handle then writes to a non-blocking socket and can fail with EAGAIN. The man page
// (COMPATIBILITY, Logging) says daemonproxy never makes descriptors it shares non-blocking.
test('a child given the stderr handle gets it blocking, as the daemon received it', async t => {
	const d = await startDaemon(t, []); // the harness's stdio are socketpairs
	await d.command(`service.args\ts\t${fixture('sleep-forever.sh')}`);
	await d.command('service.fds\ts\tnull\tstderr\tstderr');
	d.send('service.start\ts');
	const pid = (await waitState(d, 's', 'up')).split('\t')[4] ?? '';
	const flags = (fd: number): number =>
		Number.parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'))?.[1] ?? '', 8);
	const O_NONBLOCK = 0o4000;
	t.is(flags(2) & O_NONBLOCK, 0, "the service's stderr is non-blocking");
	t.is(flags(0) & O_NONBLOCK, 0);
});
