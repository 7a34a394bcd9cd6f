// The config reader (-c FILE, spec §4.1, §4.6, §13.9) and where the log goes (§12): a config
// file's replies go nowhere and its errors only to the log; the log is never on stdout, and under
// -i every stdout line is a protocol line. Also a log on a regular file (stderr redirected).

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { daemonBin, DEFAULT_TIMEOUT_MS, fixture, SocketClient, startDaemon, tempDir } from './helpers/daemon.js';

const CONFIG = [
	'# a comment',
	'',
	'   ',
	'\t \r',
	'bogus\tx',
	'service.start\tnosuch',
	'service.args\ta\t/bin/true',
	`service.args\trun\t${fixture('sleep-forever.sh')}`,
	'service.start\trun',
	'echo\tnobody hears this',
	'statedump',
	'service.tags\tlast\tdone', // no LF: executed anyway, with a warning
].join('\n');

test('-c FILE: commands run, replies go nowhere, errors only to the log; nothing on stdout', async t => {
	const dir = await tempDir(t);
	await writeFile(join(dir, 'daemon.conf'), CONFIG);
	const path = join(dir, 'ctl.sock');
	const d = await startDaemon(t, ['-c', join(dir, 'daemon.conf'), '-S', path], { interactive: false });
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	// Its last line has no LF: the warning about it says the file was read to its end.
	await d.stderr.find('warning: Command ends with EOF... processing anyway');
	const dump = await client.command('statedump');
	t.true(dump.includes('service.tags\tlast\tdone'));
	t.true(dump.includes('service.args\ta\t/bin/true'));
	// `run` is up in the dump, or its `up` event comes after it.
	await client.lines.find(/^service\.state\trun\tup\t/);
	t.false(client.lines.seen.some(line => line.startsWith('error') || line === 'nobody hears this'));
	client.send('terminate\t0');
	t.is((await d.proc).exitCode, 0);
	await d.stderr.ended;
	t.deepEqual(d.stdout.seen, []);
	t.is(d.stdout.partial, '');
	const log = d.stderr.seen;
	const at = (re: RegExp): number => log.findIndex(line => re.test(line));
	t.true(at(/^error: controller\[\d+\] sent unknown command bogus$/) >= 0);
	const failed = at(/^error: controller\[\d+\] command failed: 'service\.start\\tnosuch'$/);
	t.true(failed >= 0);
	t.is(log[failed + 1], "error:   with error: 'No such service'");
	t.true(log.includes('warning: Command ends with EOF... processing anyway'));
	t.is(log.filter(line => line.startsWith('error: ')).length, 3);
});

test("-c FILE with -i: the session sees the config's events but none of its errors; exit stops the file", async t => {
	const dir = await tempDir(t);
	await writeFile(
		join(dir, 'daemon.conf'),
		'bogus\nservice.start\tnosuch\nservice.tags\tfirst\nexit\nservice.tags\tnever\n',
	);
	const d = await startDaemon(t, ['-c', join(dir, 'daemon.conf')]);
	await d.stdout.waitFor('service.tags\tfirst\t');
	const services = (await d.command('statedump')).filter(line => line.startsWith('service.state\t'));
	t.deepEqual(services, ['service.state\tfirst\tdown\t-\t-\t-\t-\t-\t-']);
	t.false(d.stdout.seen.some(line => line.startsWith('error')));
	await d.stderr.waitFor(/^error: controller\[\d+\] sent unknown command bogus$/);
});

test('the log is never on stdout: under -i every stdout line is a protocol line', async t => {
	const d = await startDaemon(t, ['-v']);
	const lines = [
		'log.filter\tnone',
		'bogus',
		'service.start\tnosuch',
		`x${'y'.repeat(2000)}`,
		'service.args\tgone\t/nonexistent/program',
		'service.auto_up\tgone\t1\talways',
		`service.args\tquick\t${fixture('exit-with.sh')}\t4`,
		'service.start\tquick',
		'service.fds\tquick\tnope',
		'fd.pipe\tp.r\tp.w',
		'fd.delete\tp.w',
		'fd.delete\tp.w',
		'log.dest\tfd\tnosuch',
		'log.dest\tfd\tstderr',
		'signal.clear\tHUP\t1',
	];
	for (const [i, line] of lines.entries()) {
		d.send(line);
		d.send(`echo\techo-${i}`);
	}
	await d.stdout.waitFor(/^service\.state\tquick\tdown\t/);
	await d.stdout.waitFor(/^service\.state\tgone\tdown\t/);
	await d.command('service.auto_up\tgone\t-');
	d.closeStdin();
	t.is((await d.proc).exitCode, 0);
	await d.stderr.ended;
	const protocol =
		/^(?:info|service\.(?:state|args|fds|tags|auto_up)|fd\.state|signal|error|warning|log\.filter)\t|^warning: fd "[^"]*" is not yet defined$|^echo-\d+$|^--harness-sync--\t/;
	t.deepEqual(
		d.stdout.seen.filter(line => !protocol.test(line)),
		[],
	);
	t.is(d.stdout.seen.filter(line => /^echo-\d+$/.test(line)).length, lines.length);
	t.deepEqual(
		d.stderr.seen.filter(line => !/^(?:trace|debug|info|warning|error|fatal): /.test(line)),
		[],
	);
	t.true(d.stderr.seen.length >= 10);
});

test('-c - reads the commands from stdin', async t => {
	const result = await execa(daemonBin, ['-c', '-'], {
		input: 'bogus\nservice.tags\tx\nterminate\t4\n',
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
		killSignal: 'SIGKILL',
	});
	t.is(result.exitCode, 4);
	t.is(result.stdout, '');
	t.regex(result.stderr, /^error: controller\[\d+\] sent unknown command bogus$/m);
});

test('a log on a regular file (stderr redirected to a file) is written there', async t => {
	const dir = await tempDir(t);
	await writeFile(join(dir, 'daemon.conf'), 'bogus\nterminate\t3\n');
	const log = join(dir, 'daemon.log');
	const result = await execa(daemonBin, ['-c', join(dir, 'daemon.conf')], {
		stdin: 'ignore',
		stdout: 'pipe',
		stderr: { file: log },
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
		killSignal: 'SIGKILL',
	});
	t.is(result.exitCode, 3);
	t.is(result.stdout, '');
	const lines = (await readFile(log, 'latin1')).split('\n');
	t.true(lines.some(line => /^error: controller\[\d+\] sent unknown command bogus$/.test(line)));
	t.true(lines.includes('info: daemonproxy exiting'));
});
