// The command line and the ways out (spec §13, §4.1, §7.24, §7.25): help and version, option
// errors and their exit statuses, -v/-q, the exit guard, `terminate` statuses and the guard
// dance, the end of the interactive session. Options are checked by code and log line, not prose.

import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import {
	daemonBin,
	DEFAULT_TIMEOUT_MS,
	fixture,
	processGone,
	repoRoot,
	SocketClient,
	startDaemon,
	tempDir,
} from './helpers/daemon.js';

/** Runs the daemon to its end (it should end at once); no stdin. */
async function run(args: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
	const result = await execa(daemonBin, args, {
		stdin: 'ignore',
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
		killSignal: 'SIGKILL',
	});
	return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

test('--help and -h print the usage on stdout and exit 1, even after other options', async t => {
	for (const args of [['--help'], ['-h'], ['-i', '-h'], ['-vh']]) {
		const { code, stdout } = await run(args);
		t.is(code, 1, args.join(' '));
		t.regex(stdout, /^daemonproxy version \S+\noptions:\n/);
		for (const option of [
			'--config',
			'--interactive',
			'--socket',
			'--exit-guard',
			'--verbose',
			'--quiet',
			'--help',
			'--version',
		]) {
			t.true(stdout.includes(option), option);
		}
	}
});

test('--version prints "daemonproxy version V" first and exits 1', async t => {
	const { code, stdout } = await run(['--version']);
	t.is(code, 1);
	t.regex(stdout.split('\n')[0] ?? '', /^daemonproxy version \d+\.\d+\.\d+\S*$/);
	// What `npm run build` recorded, as 1.1 prints it (daemonproxy(8), --version).
	const revision = (await execa('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, reject: false })).stdout;
	t.regex(stdout.split('\n')[1] ?? '', /^ build timestamp: \d+ \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)$/);
	t.regex(
		stdout.split('\n')[2] ?? '',
		new RegExp(`^ git HEAD: ${/^[0-9a-f]{40}$/.test(revision) ? revision : 'revision unknown'}( \\(dirty\\))?$`),
	);
	t.regex(stdout, /\n Copyright \(C\) (\d{4}-)?\d{4} the daemonproxy authors\n/);
	t.regex(stdout, /\n License GPL-2\.0-or-later <https:/);
});

test('option errors: exit 2, one fatal log line, nothing on stdout', async t => {
	const dir = await tempDir(t);
	const missing = join(dir, 'missing.conf');
	const cases: Array<[string[], string]> = [
		[['-i', '--bogus'], 'fatal: Unknown option --bogus  (see --help)'],
		[['-i', '-x'], 'fatal: Unknown option -x  (see --help)'],
		[['--config=x'], 'fatal: Unknown option --config=x  (see --help)'],
		[['-i', '--'], 'fatal: Unknown option --  (see --help)'],
		[['-i', '-c'], 'fatal: Missing argument for -c'],
		[['-i', '--socket'], 'fatal: Missing argument for --socket'],
		[['-i', 'stray'], 'fatal: Unexpected argument "stray"'],
		[[], 'fatal: require -i or -c or -S'],
		[['-v', '-q'], 'fatal: require -i or -c or -S'],
		[['-c', missing], `fatal: Cannot stat configfile "${missing}"`],
		[['-i', '--exit-guard', '5x'], 'fatal: Terminate guard must be an integer'],
		[['-i', '-c', '-'], 'fatal: cannot combine -i with -c - (both would read stdin)'],
	];
	for (const [args, fatal] of cases) {
		const { code, stdout, stderr } = await run(args);
		t.is(code, 2, args.join(' '));
		t.is(stdout, '');
		t.deepEqual(
			stderr.split('\n').filter(line => line.startsWith('fatal: ')),
			[fatal],
		);
	}
});

test('-v and -q move the log filter one step each, in order, as log.filter reports', async t => {
	const cases: Array<[string[], string]> = [
		[[], 'debug'],
		[['-v'], 'trace'],
		[['-vv'], 'none'],
		[['-q'], 'info'],
		[['--quiet', '-q'], 'warning'],
		[['-qqqqqqq'], 'fatal'],
		[['-qqqqqqqv'], 'error'],
		[['-vq', '--verbose'], 'trace'],
	];
	for (const [args, level] of cases) {
		const d = await startDaemon(t, args);
		t.deepEqual(await d.command('log.filter'), [`log.filter\t${level}`], args.join(' '));
		await d.stop();
	}
});

test('end of the interactive session: exit 0 and "info: interactive session ended"', async t => {
	const d = await startDaemon(t, []);
	await d.command(`service.args\tkeep\t${fixture('sleep-forever.sh')}`);
	d.send('service.start\tkeep');
	const pid = Number((await d.stdout.waitFor(/^service\.state\tkeep\tup\t/)).split('\t')[4]);
	d.closeStdin();
	t.is((await d.proc).exitCode, 0);
	await d.stderr.ended;
	const log = d.stderr.seen;
	t.true(log.includes('info: interactive session ended'));
	// Services are left running, and named in the log (§9.7, §12.4).
	t.true(log.includes(`warning: service 'keep' running as pid ${pid}`));
	t.true(log.indexOf('info: daemonproxy exiting') > log.indexOf('info: interactive session ended'));
	t.false(processGone(pid));
	process.kill(pid, 'SIGKILL');
	const viaExit = await startDaemon(t, []);
	viaExit.send('exit');
	viaExit.send('echo\tnever read');
	t.is((await viaExit.proc).exitCode, 0);
	await viaExit.stdout.ended;
	t.deepEqual(viaExit.stdout.seen.slice(6), []);
	// An unterminated last line is not executed on -i (§4.6); everything before it is answered.
	const partial = await startDaemon(t, []);
	partial.sendRaw('echo\tfirst\necho\tpartial');
	partial.closeStdin();
	t.is((await partial.proc).exitCode, 0);
	await Promise.all([partial.stdout.ended, partial.stderr.ended]);
	t.deepEqual(partial.stdout.seen.slice(6), ['first']);
	t.true(partial.stderr.seen.includes('warning: Command ends with EOF... ignored'));
});

test('terminate N exits with N mod 256', async t => {
	const cases: Array<[string, number]> = [
		['0', 0],
		['5', 5],
		['300', 44],
		['-1', 255],
		['256', 0],
	];
	for (const [argument, status] of cases) {
		const d = await startDaemon(t, []);
		d.send(`terminate\t${argument}`);
		t.is((await d.proc).exitCode, status, `terminate ${argument}`);
	}
});

test('the terminate guard (§7.24, §7.25): only lifting it, or exec-on-exit, lets terminate end the daemon', async t => {
	const d = await startDaemon(t, []);
	t.deepEqual(await d.command('terminate.guard\t+\t5'), []);
	const error = (message: string, line: string): string => `error\t${message}, for command "${line}"`;
	const refused: Array<[string, string]> = [
		['terminate\t1', 'terminate guard code required'],
		['terminate\t1\tx', 'terminate guard code required'],
		['terminate\t1\t4', 'incorrect terminate guard code'],
		['terminate\t1\t5', 'cannot exit, and exec-on-exit is not configured'],
		['terminate.guard\t+\t6', 'terminate guard code is already set'],
		['terminate.guard\t-\t4', 'incorrect guard code'],
	];
	for (const [line, message] of refused) t.deepEqual(await d.command(line), [error(message, line)]);
	t.deepEqual(await d.command('terminate.guard\t-\t5'), []);
	d.send('terminate\t6');
	t.is((await d.proc).exitCode, 6);

	// With exec-on-exit configured, the right code execs it instead (§13.6).
	const e = await startDaemon(t, []);
	await e.command('terminate.guard\t+\t5');
	await e.command(
		'terminate.exec_args\tsh\t-c\techo "exec: code=$DAEMONPROXY_EXITCODE err=$DAEMONPROXY_ERROR" >&2; exit 9',
	);
	t.deepEqual(await e.command('terminate\t1\t4'), [error('incorrect terminate guard code', 'terminate\t1\t4')]);
	e.send('terminate\t1\t5');
	t.is((await e.proc).exitCode, 9);
	await e.stderr.ended;
	t.true(e.stderr.seen.includes('exec: code=1 err=terminated normally'));
});

test('--exit-guard 5 --bogus -i: the option error is survived, and so is the end of the session', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	const d = await startDaemon(t, ['--exit-guard', '5', '--bogus', '-i', '-S', path], { interactive: false });
	for (let i = 0; i < 6; i++) t.regex(await d.stdout.next(), /^info\t/);
	t.deepEqual(await d.command('echo\trunning'), ['running']);
	await d.stderr.waitFor('fatal: (attempting to continue) Unknown option --bogus  (see --help)');
	d.closeStdin();
	await d.stderr.waitFor('warning: interactive session ended, but not exiting due to terminate-guard');
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	t.deepEqual(await client.command('echo\tstill running'), ['still running']);
	t.deepEqual(await client.command('terminate\t0'), [
		'error\tterminate guard code required, for command "terminate\t0"',
	]);
	await client.command('terminate.guard\t-\t5');
	client.send('terminate\t0');
	t.is((await d.proc).exitCode, 0);
});
