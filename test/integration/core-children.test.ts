// Real child processes (spec §6.1, §7.7, §7.8, §9.3, §9.4): how exits and deaths by signal are
// reported, that PID is the real process and TS the monotonic clock, and what a child inherits
// (environment, working directory, umask 077, default signal dispositions, empty signal mask).

import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
	fixture,
	monotonicSeconds,
	pollUntil,
	processGone,
	startDaemon,
	tempDir,
	watchPath,
	type Daemon,
} from './helpers/daemon.js';

const STATE = /^service\.state\t/;

/** The service.state fields after the name: [state, ts, pid, reason, value, uptime, downtime]. */
function fields(line: string): string[] {
	return line.split('\t').slice(2);
}

function waitState(d: Daemon, name: string, state: string, from = 0): Promise<string> {
	return d.stdout.find(line => STATE.test(line) && line.split('\t')[1] === name && line.split('\t')[2] === state, from);
}

function statusField(pid: number, field: string): string {
	const line = readFileSync(`/proc/${pid}/status`, 'latin1')
		.split('\n')
		.find(l => l.startsWith(`${field}:`));
	return (line ?? '').split('\t').pop() ?? '';
}

/** TS of an event that happened after `before` (monotonicSeconds() then) and before now. */
function checkTs(t: ExecutionContext, ts: string | undefined, before: number): void {
	const after = monotonicSeconds();
	t.true(Number(ts) >= before && Number(ts) <= after, `TS ${ts} is not within [${before}, ${after}]`);
}

/** The down event (which came after `before`) is consistent with its up event and with our clock. */
function checkDown(t: ExecutionContext, up: string, down: string, reason: string, value: string, before: number): void {
	const [, upTs, pid] = fields(up);
	const [state, ts, downPid, downReason, downValue, uptime, downtime] = fields(down);
	t.deepEqual([state, downPid, downReason, downValue, downtime], ['down', pid, reason, value, '0'], down);
	checkTs(t, ts, before);
	const span = Number(ts) - Number(upTs);
	t.true(Number(uptime) === span || Number(uptime) === span - 1, `UPTIME ${uptime} for a run from ${upTs} to ${ts}`);
}

test('exit statuses 0, 42 and 255 are reported as down … exit N with the pid of the run', async t => {
	const d = await startDaemon(t, []);
	const before = monotonicSeconds();
	for (const code of [0, 42, 255]) {
		await d.command(`service.args\te${code}\t${fixture('exit-with.sh')}\t${code}`);
		const start = (await d.command(`service.start\te${code}`)).find(line =>
			line.startsWith(`service.state\te${code}\tstart\t`),
		);
		const [, ts, ...dashes] = fields(start ?? '');
		checkTs(t, ts, before);
		t.deepEqual(dashes, ['-', '-', '-', '-', '-']);
	}
	for (const code of [0, 42, 255]) {
		const up = await waitState(d, `e${code}`, 'up');
		const [, upTs, pid, ...rest] = fields(up);
		t.true(Number(pid) > 1 && Number(pid) !== d.pid);
		checkTs(t, upTs, before);
		t.deepEqual(rest, ['-', '-', '0', '-']);
		checkDown(t, up, await waitState(d, `e${code}`, 'down'), 'exit', String(code), before);
	}
});

test('service.signal kills with the named or numbered signal; down … signal SIGNAME', async t => {
	const d = await startDaemon(t, []);
	const cases = [
		['TERM', 'SIGTERM'],
		['SIGHUP', 'SIGHUP'],
		['INT', 'SIGINT'],
		['KILL', 'SIGKILL'],
		['15', 'SIGTERM'],
		['SIGUSR1', 'SIGUSR1'],
	];
	for (const [i] of cases.entries()) {
		await d.command(`service.args\ts${i}\t${fixture('sleep-forever.sh')}`);
		await d.command(`service.start\ts${i}`);
	}
	for (const [i, [argument, name]] of cases.entries()) {
		const up = await waitState(d, `s${i}`, 'up');
		const pid = Number(fields(up)[2]);
		// PID is a live child of the daemon.
		t.is(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.split(' ')[1], String(d.pid));
		const before = monotonicSeconds();
		const reply = await d.command(`service.signal\ts${i}\t${argument}`);
		t.deepEqual(
			reply.filter(line => !STATE.test(line)),
			[],
		); // no reply of its own
		checkDown(t, up, await waitState(d, `s${i}`, 'down'), 'signal', name ?? '', before);
		t.true(processGone(pid));
	}
});

test('a child killed from outside is reported too; signal dispositions were reset (SIGPIPE)', async t => {
	const d = await startDaemon(t, []);
	const signals = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGKILL', 'SIGPIPE', 'SIGQUIT'] as const;
	for (const name of signals) {
		await d.command(`service.args\t${name}\t${fixture('sleep-forever.sh')}`);
		await d.command(`service.start\t${name}`);
	}
	for (const name of signals) {
		const up = await waitState(d, name, 'up');
		const pid = Number(fields(up)[2]);
		// Once it is `sleep` (the fixture execs it): nothing ignored, nothing blocked (Node ignores SIGPIPE).
		// Nothing announces the exec: /proc shows it.
		await pollUntil(
			() => readFileSync(`/proc/${pid}/comm`, 'latin1') === 'sleep\n' || undefined,
			`${pid} never became sleep`,
		);
		t.is(statusField(pid, 'SigIgn'), '0000000000000000');
		t.is(statusField(pid, 'SigBlk'), '0000000000000000');
		const before = monotonicSeconds();
		process.kill(pid, name);
		checkDown(t, up, await waitState(d, name, 'down'), 'signal', name, before);
	}
});

test("a child gets the daemon's environment, working directory and umask 077", async t => {
	const dir = await tempDir(t);
	const extra = { DPT_PLAIN: 'plain', DPT_SPACES: 'a b\tc=d', DPT_EMPTY: '' };
	const d = await startDaemon(t, [], { cwd: dir, env: extra });
	await d.command(`fd.open\tenv.out\twrite,create\t${join(dir, 'env-1')}`);
	await d.command(`service.args\tviafd\t${fixture('print-env.sh')}`);
	await d.command('service.fds\tviafd\tnull\tenv.out\tnull');
	await d.command(`service.args\tviash\t/bin/sh\t-c\tenv > env-2; pwd -P > pwd`);
	for (const name of ['viafd', 'viash']) {
		await d.command(`service.start\t${name}`);
		t.deepEqual(fields(await waitState(d, name, 'down')).slice(3, 5), ['exit', '0']);
	}
	const expected = Object.entries({ ...process.env, ...extra })
		.filter(([key, value]) => !['PWD', 'OLDPWD', 'SHLVL', '_'].includes(key) && !value?.includes('\n'))
		.map(([key, value]) => `${key}=${value ?? ''}`);
	for (const file of ['env-1', 'env-2']) {
		const lines = (await readFile(join(dir, file), 'latin1')).split('\n');
		t.deepEqual(
			expected.filter(line => !lines.includes(line)),
			[],
			`${file} lacks these`,
		);
		t.false(
			lines.some(line => line.startsWith('DAEMONPROXY_INHERITED_FDS=')),
			`${file} has the shim's variable`,
		);
		t.is((await stat(join(dir, file))).mode & 0o777, 0o600);
	}
	t.is((await readFile(join(dir, 'pwd'), 'latin1')).trim(), dir);
});

test('service.signal … group signals the process group a service leads; without group, the leader only', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, []);
	const members = new Map<string, number[]>();
	// The leader alone ends: its child is a leftover, left alone here (the default would stop it).
	await d.command('service.leftovers\talone\tleave');
	for (const name of ['grouped', 'alone']) {
		await d.command(`service.args\t${name}\t${fixture('group-leader.sh')}\t${join(dir, name)}`);
		await d.command(`service.start\t${name}`);
		const pid = Number(fields(await waitState(d, name, 'up'))[2]);
		const text = await watchPath(
			join(dir, name),
			() => readFile(join(dir, name), 'latin1').catch(() => undefined),
			`${name} wrote no pids`,
		);
		const [leader = 0, child = 0] = text.trim().split(' ').map(Number);
		t.teardown(() => {
			try {
				process.kill(child, 'SIGKILL');
			} catch {
				// gone already
			}
		});
		t.is(leader, pid); // setsid(1) exec'd in place: the service's pid leads the group
		t.is(readFileSync(`/proc/${child}/stat`, 'latin1').split(') ')[1]?.split(' ')[2], String(pid));
		members.set(name, [pid, child]);
	}
	const reply = await d.command('service.signal\tgrouped\tTERM\tgroup');
	t.deepEqual(
		reply.filter(line => !STATE.test(line)),
		[],
	);
	t.deepEqual(fields(await waitState(d, 'grouped', 'down')).slice(3, 5), ['signal', 'SIGTERM']);
	const groupedChild = members.get('grouped')?.[1] ?? 0;
	// Not our child, nor the daemon's: only /proc shows it gone.
	await pollUntil(() => processGone(groupedChild) || undefined, 'a member of the signalled group survived');

	await d.command('service.signal\talone\tTERM');
	t.deepEqual(fields(await waitState(d, 'alone', 'down')).slice(3, 5), ['signal', 'SIGTERM']);
	t.false(processGone(members.get('alone')?.[1] ?? 0), "the leader's child was signalled too");
});

test('arguments reach the child byte for byte, control bytes and bytes above 127 included', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, []);
	const argument = 'a\x01b \x1b[0m\x7f\x80\xe9\xff "quoted" $HOME';
	await d.command(`service.args\tbytes\t/bin/sh\t-c\tprintf '%s' "$1" > "$2"\tsh\t${argument}\t${join(dir, 'out')}`);
	await d.command('service.start\tbytes');
	t.deepEqual(fields(await waitState(d, 'bytes', 'down')).slice(3, 5), ['exit', '0']);
	t.deepEqual(await readFile(join(dir, 'out')), Buffer.from(argument, 'latin1'));
});
