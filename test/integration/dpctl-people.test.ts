// Issue 13, "dpctl for people", against the real daemon and real children: stop holds a service
// down and start restores its supervision; every argument is checked before anything changes;
// usage errors are one line and exit 100; --json is one document for every command; many names
// follow one rule (with `all` and globs); --kill says so; a failed start says why; an operator
// can stop and start; the socket mode is named when it refuses; a dpctl call leaves no error in
// the daemon's log; is-active, enable/disable and the completion script. Serial: each test runs
// dozens of dpctl processes, too many at once for a loaded machine.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { dpctlBin, fixture, pidOf, SocketClient } from './helpers/daemon.js';
import { dpctlFor, startSocketDaemon, timeoutBeyond } from './dpctl-helpers.js';

const tsv = (line: string | undefined): string[] => (line ?? '').split('\t');

async function withServices(t: ExecutionContext, extra: string[] = []) {
	const { socket, daemon, dir } = await startSocketDaemon(t, extra);
	// A generous budget by default (a later --timeout wins): on a loaded machine starting Node alone
	// can take seconds of dpctl's default 10.
	const plain = dpctlFor(socket);
	const run = Object.assign((args: readonly string[]) => plain(['--timeout', '60', ...args]), { daemon, socket, dir });
	for (const name of ['web', 'web2', 'db']) {
		const result = await run(['service.args', name, fixture('sleep-forever.sh')]);
		t.is(result.exitCode, 0, result.stderr);
	}
	return run;
}
type Run = Awaited<ReturnType<typeof withServices>>;

/** name → [state, pid, mode] from `dpctl status` (TSV). */
async function states(run: Run): Promise<Map<string, string[]>> {
	const status = await run(['status']);
	return new Map(status.lines.map(l => tsv(l)).map(f => [f[0] ?? '', [f[1] ?? '', f[2] ?? '', f.at(-1) ?? '']]));
}

test.serial('stop keeps a supervised service down; start brings it back under supervision as configured', async t => {
	const run = await withServices(t);
	t.is((await run(['service.auto_up', 'web', '1', 'always'])).exitCode, 0);
	t.is((await run(['--timeout', '30', 'wait', 'service.state:web', 'up'])).exitCode, 0);
	const stop = await run(['stop', 'web']);
	t.is(stop.exitCode, 0, stop.stderr);
	// Held: not rescheduled after its exit (that would be `start` at once), auto_up kept, shown as stopped.
	const held = tsv((await run(['status', 'web'])).lines[0]);
	t.deepEqual([held[1], held[7], held[8], held.at(-1)], ['down', '1', 'always', 'stopped']);
	const json = JSON.parse((await run(['--json', 'status', 'web'])).stdout) as Array<Record<string, unknown>>;
	t.like(json[0], { state: 'down', held: true, enabled: true, autoUp: { interval: 1, triggers: ['always'] } });

	const start = await run(['start', 'web']);
	t.is(start.exitCode, 0, start.stderr);
	const [state, pid, mode] = (await states(run)).get('web') ?? [];
	t.deepEqual([state, mode], ['up', '-']);
	// Supervised again: a crash is followed by a restart, as auto_up says (a 1.1 event stream shows it).
	const events = await SocketClient.connect(run.socket);
	t.teardown(() => events.close());
	await events.command('echo\tsubscribed');
	t.is((await run(['signal', 'KILL', 'web'])).exitCode, 0);
	await events.lines.waitFor(/^service\.state\tweb\tdown\t.*\tsignal\tSIGKILL\t/);
	const again = await events.lines.waitFor(/^service\.state\tweb\tup\t/);
	t.not(String(pidOf(again)), pid);
});

test.serial('enable/disable: whether auto_up brings a service up; the configuration is kept', async t => {
	const run = await withServices(t);
	t.is((await run(['disable', 'web'])).exitCode, 0);
	t.is((await run(['service.auto_up', 'web', '1', 'always'])).exitCode, 0);
	t.deepEqual((await states(run)).get('web'), ['down', '-', 'disabled'], 'disabled: auto_up does not start it');
	const enable = await run(['--json', 'enable', 'web']);
	t.is(enable.exitCode, 0, enable.stderr);
	t.deepEqual(JSON.parse(enable.stdout), { ok: true, enabled: ['web'] });
	t.is((await run(['--timeout', '30', 'wait', 'service.state:web', 'up'])).exitCode, 0, 'enabled: always starts it');
	t.is((await run(['disable', '--now', 'web'])).exitCode, 0);
	t.deepEqual((await states(run)).get('web')?.[0], 'down');
});

test.serial('nothing changes when an argument is bad: a signal, a name, a name that does not run', async t => {
	const run = await withServices(t);
	t.is((await run(['service.auto_up', 'web', '1', 'always'])).exitCode, 0);
	await run(['--timeout', '30', 'wait', 'service.state:web', 'up']);
	const before = await states(run);

	const badSignal = await run(['stop', '-s', 'BADSIG', 'web']);
	t.is(badSignal.exitCode, 100);
	t.regex(badSignal.stderr, /^dpctl: invalid signal "BADSIG"/);
	const badSignalDown = await run(['stop', '-s', 'BADSIG', 'db']);
	t.is(badSignalDown.exitCode, 100, 'on a service that is down too');

	for (const args of [
		['stop', 'web', 'nosuch'],
		['restart', 'web', 'nosuch'],
		['signal', 'HUP', 'web', 'nosuch'],
		['start', 'db', 'nosuch'],
		['disable', 'web', 'nosuch'],
	]) {
		const result = await run(args);
		t.is(result.exitCode, 1, args.join(' '));
		t.is(result.stderr, 'dpctl: error: no such service: nosuch', args.join(' '));
	}
	const notRunning = await run(['signal', 'HUP', 'web', 'db']);
	t.is(notRunning.exitCode, 1);
	t.is(notRunning.stderr, 'dpctl: error: service is not running: db');
	t.deepEqual(await states(run), before, 'the same processes, nothing held or started');
});

test.serial('many names: all and globs, checked first, then all of them', async t => {
	const run = await withServices(t);
	const start = await run(['--json', 'start', 'web*']);
	t.is(start.exitCode, 0, start.stderr);
	t.deepEqual(JSON.parse(start.stdout), { ok: true, started: ['web', 'web2'] });
	t.deepEqual((await states(run)).get('db')?.[0], 'down');
	t.is((await run(['is-active', 'web', 'web2'])).exitCode, 0);
	const notAll = await run(['is-active', 'all']);
	t.is(notAll.exitCode, 3);
	t.deepEqual(notAll.lines, ['down', 'up', 'up'], 'db web web2, in name order');
	const unknown = await run(['--json', 'is-active', 'ghost']);
	t.is(unknown.exitCode, 3);
	t.deepEqual(JSON.parse(unknown.stdout), { ok: true, active: false, services: [{ name: 'ghost', state: 'unknown' }] });
	t.is((await run(['is-active', '-q', 'db'])).stdout, '');

	const signal = await run(['--json', 'signal', 'CONT', 'all']);
	t.is(signal.exitCode, 0, signal.stderr);
	t.deepEqual(JSON.parse(signal.stdout), { ok: true, signal: 'CONT', signalled: ['web', 'web2'] });
	const none = await run(['stop', 'x*']);
	t.is(none.exitCode, 1);
	t.is(none.stderr, 'dpctl: error: no such service: x*');
	const stop = await run(['--json', 'stop', 'all']);
	t.is(stop.exitCode, 0, stop.stderr);
	t.deepEqual(JSON.parse(stop.stdout), { ok: true, stopped: ['db', 'web', 'web2'], killed: [] });
	t.deepEqual(
		[...(await states(run)).values()].map(s => s[0]),
		['down', 'down', 'down'],
	);
	const restart = await run(['--json', 'restart', 'db']);
	t.deepEqual(JSON.parse(restart.stdout), { ok: true, restarted: ['db'], killed: [] });
});

test.serial('--json: every command prints one document, a failure too', async t => {
	const run = await withServices(t);
	for (const args of [
		['start', 'nosuch'],
		['stop', 'nosuch'],
		['restart', 'nosuch'],
		['signal', 'HUP', 'nosuch'],
	]) {
		const result = await run(['--json', ...args]);
		t.is(result.exitCode, 1);
		t.deepEqual(JSON.parse(result.stdout), { ok: false, exit: 1, error: 'no such service: nosuch' }, args.join(' '));
	}
	const usage = await run(['--json', 'stop', '-s', 'NOPE', 'web']);
	t.is(usage.exitCode, 100);
	t.like(JSON.parse(usage.stdout), { ok: false, exit: 100 });
});

test.serial('a missing option value is a usage error: one line, exit 100, no stack', async t => {
	const run = await withServices(t);
	for (const args of [['-S'], ['--timeout'], ['stop', 'web', '-s'], ['status', '--timeout']]) {
		const result = await run(args);
		t.is(result.exitCode, 100, args.join(' '));
		t.notRegex(result.stderr, /internal error|YError|\n {4}at /, args.join(' '));
		t.regex(result.stderr, /^dpctl: .+\nTry 'dpctl --help'\.$/, args.join(' '));
	}
});

test.serial('stop --kill says it killed (stderr and JSON); a failed start says why', async t => {
	const run = await withServices(t);
	await run(['service.args', 'stubborn', fixture('ignore-sigterm.sh')]);
	await run(['service.fds', 'stubborn', 'null', 'null', 'stderr']);
	t.is((await run(['start', 'stubborn'])).exitCode, 0);
	await run.daemon.stderr.waitFor(/^ignore-sigterm: ready /);
	// A stop that times out leaves it held but running: start puts it back under supervision.
	const short = await timeoutBeyond(run.socket, 0.5, ['status', 'stubborn']);
	t.is((await run(['--timeout', short, 'stop', 'stubborn'])).exitCode, 99);
	t.deepEqual(
		(await states(run))
			.get('stubborn')
			?.slice(0, 1)
			.concat((await states(run)).get('stubborn')?.[2] ?? ''),
		['up', 'stopped'],
	);
	t.is((await run(['start', 'stubborn'])).exitCode, 0);
	t.deepEqual((await states(run)).get('stubborn')?.[2], '-');
	const timeout = await timeoutBeyond(run.socket, 1, ['status', 'stubborn']);
	const killed = await run(['--json', '--timeout', timeout, 'stop', '--kill', 'stubborn']);
	t.is(killed.exitCode, 0, killed.stderr);
	t.regex(killed.stderr, /^dpctl: stubborn did not stop within \d+ s: sent SIGKILL \(pid \d+\)$/);
	const doc = JSON.parse(killed.stdout) as { killed: Array<{ name: string; pid: number }> };
	t.is(doc.killed[0]?.name, 'stubborn');
	await run.daemon.stderr.waitFor(/^warning: service 'stubborn' did not stop within \d+ s: sending SIGKILL$/);

	await run(['service.fds', 'db', 'null', 'nosuch-handle', 'null']);
	const missing = await run(['start', 'db', 'web']);
	t.is(missing.exitCode, 1);
	t.is(missing.stderr, 'dpctl: error: cannot start db: handle "nosuch-handle" does not exist');
	t.deepEqual((await states(run)).get('web')?.[0], 'down', 'nothing started');
	await writeFile(join(run.dir, 'not-executable'), '#!/bin/sh\n', { mode: 0o644 });
	await run(['service.args', 'db', join(run.dir, 'not-executable')]);
	await run(['service.fds', 'db', 'null', 'null', 'null']);
	const noExec = await run(['start', 'db']);
	t.is(noExec.exitCode, 1);
	t.regex(noExec.stderr, /^dpctl: error: cannot execute ".*not-executable": /);
});

// As root (CI): other users, through the socket's mode and --allow.
const asRoot = process.getuid?.() === 0 ? test.serial : test.skip;
const NOBODY = 65534;
const asNobody = { uid: NOBODY, gid: NOBODY, reject: false, encoding: 'latin1', stdin: 'ignore' } as const;

asRoot('an operator stops and starts a supervised service; the socket mode is named when it refuses', async t => {
	const allow = `operator:uid=${NOBODY}`;
	const run = await withServices(t, ['--socket-mode', '0666', '--allow', allow]);
	const { chmod } = await import('node:fs/promises');
	await chmod(run.dir, 0o755);
	await run(['service.auto_up', 'web', '1', 'always']);
	await run(['--timeout', '30', 'wait', 'service.state:web', 'up']);
	const dp = (args: string[]) =>
		execa(process.execPath, [dpctlBin, '-S', run.socket, '--timeout', '60', ...args], {
			...asNobody,
			env: { NO_COLOR: '' },
		});
	const stop = await dp(['stop', 'web']);
	t.is(stop.exitCode, 0, String(stop.stderr));
	t.deepEqual((await states(run)).get('web'), ['down', '-', 'stopped']);
	const start = await dp(['start', 'web']);
	t.is(start.exitCode, 0, String(start.stderr));
	t.is((await states(run)).get('web')?.[0], 'up');
	const denied = await dp(['service.auto_up', 'web', '-']);
	t.is(denied.exitCode, 1, 'auto_up is still admin-only');

	// The default mode 0600 keeps the rule from working: the daemon warns, dpctl names the fix.
	const strict = await startSocketDaemon(t, ['--allow', allow]);
	await strict.daemon.stderr.waitFor(
		`warning: --allow ${allow} cannot take effect: the control socket's mode 0600 lets only its owner (and root) connect; give --socket-mode 0660 (with the socket in a group of theirs) or 0666`,
	);
	await chmod(strict.dir, 0o755);
	const refused = await execa(process.execPath, [dpctlBin, '-S', strict.socket, 'status'], asNobody);
	t.is(refused.exitCode, 111);
	t.regex(String(refused.stderr), /EACCES \(permission denied by the socket's file mode.*--socket-mode/);
});

test.serial('ordinary dpctl calls leave no error in the daemon log', async t => {
	const run = await withServices(t);
	await run(['start', 'web']);
	for (let i = 0; i < 5; i++) {
		for (const args of [['status'], ['statedump'], ['is-active', 'web'], ['signal', 'CONT', 'web']]) {
			t.is((await run(args)).exitCode, 0, args.join(' '));
		}
	}
	// The log is in order: once this command's audit line shows, every close before it was logged.
	const marker = `barrier${Date.now()}`;
	await run(['service.tags', marker]);
	await run.daemon.stderr.waitFor(new RegExp(`audit: .*service\\.tags ${marker}$`));
	t.deepEqual(
		run.daemon.stderr.seen.filter(l => l.startsWith('error')),
		[],
	);
});

test.serial("completion bash: commands, options, signals and the daemon's service names", async t => {
	const run = await withServices(t);
	const script = await run(['completion', 'bash']);
	t.is(script.exitCode, 0);
	const script2 = join(run.dir, 'completion.bash');
	await writeFile(script2, script.stdout);
	// `dpctl` on the PATH, as an installed package has it.
	const { mkdir, symlink } = await import('node:fs/promises');
	await mkdir(join(run.dir, 'bin'));
	await symlink(dpctlBin, join(run.dir, 'bin', 'dpctl'));
	const complete = async (words: string[]): Promise<string[]> => {
		const line = words.map(w => `'${w}'`).join(' ');
		const result = await execa(
			'bash',
			[
				'-c',
				`source ${script2}; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _dpctl; printf '%s\\n' "\${COMPREPLY[@]}"`,
			],
			{ env: { PATH: `${join(run.dir, 'bin')}:${process.env['PATH'] ?? ''}`, DAEMONPROXY_SOCKET: run.socket } },
		);
		return String(result.stdout).split('\n').filter(Boolean);
	};
	t.deepEqual(await complete(['dpctl', 'is-']), ['is-active']);
	t.true((await complete(['dpctl', 'stop', '--'])).includes('--kill'));
	t.true((await complete(['dpctl', 'signal', 'H'])).includes('HUP'));
	t.deepEqual(await complete(['dpctl', 'stop', 'we']), ['web', 'web2']);
	t.deepEqual(await complete(['dpctl', 'service.start', 'd']), ['db']);
	const zsh = await run(['completion', 'zsh']);
	t.regex(zsh.stdout, /^autoload -U \+X bashcompinit && bashcompinit\n/);
	t.is((await run(['completion', 'fish'])).exitCode, 100);
});
