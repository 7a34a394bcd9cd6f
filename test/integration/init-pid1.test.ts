// Init duty (spec §13.7, §11.1, design §5): the daemon as process 1 of a PID namespace reaps
// every orphan reparented to it without stealing its own children's exit statuses, survives the
// signals a container runtime sends, and applies the PID-1 defaults; outside a namespace,
// --subreaper makes it the reaper of its services' orphans.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { descendants, pollUntil, processGone, startDaemon, tempDir } from './helpers/daemon.js';
import { canUnshare, childrenOf, procStat, startAsPid1, zombiesUnder } from './init-support.js';

const needsRoot = canUnshare() ? test.serial : test.serial.skip;

/** The pid of host process `pid` in its innermost PID namespace (what the daemon there reports). */
function namespacePid(pid: number): number | undefined {
	try {
		const match = /^NSpid:.*\t(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
		return match ? Number(match[1]) : undefined;
	} catch {
		return undefined; // gone
	}
}

needsRoot('as process 1: 1,000 orphans are reaped, and our own child still reports its own status', async t => {
	const { d, hostPid } = await startAsPid1(t, ['-c', '/dev/null']);
	await d.stderr.waitFor(/^info: running as process 1: reaping orphans, exit guard set$/);
	// The shell leaves 1,000 subshells behind; they are reparented to process 1, the daemon. They
	// and our own child block reading a pipe whose write end only the daemon holds: deleting it
	// ends all of them at the same instant, so our child exits amid a thousand orphans.
	d.send('fd.pipe\tgate.r\tgate.w');
	d.send(
		'service.args\torphans\t/bin/sh\t-c\ti=0; while [ $i -lt 1000 ]; do { read -r line <&3; } & i=$((i+1)); done; exit 0',
	);
	d.send('service.fds\torphans\tnull\tnull\tnull\tgate.r');
	// Left alone: what this test counts is the reaping of orphans, not the leftover policy.
	d.send('service.leftovers\torphans\tleave');
	d.send('service.args\town\t/bin/sh\t-c\tread -r line; exit 42');
	d.send('service.fds\town\tgate.r\tnull\tnull');
	d.send('service.start\town');
	const ownPid = Number((await d.stdout.waitFor(/^service\.state\town\tup\t/)).split('\t')[4]);
	d.send('service.start\torphans');
	// A thousand forks take a while on a loaded machine.
	t.regex(
		await d.stdout.waitFor(/^service\.state\torphans\tdown\t/, 45_000),
		/^service\.state\torphans\tdown\t\d+\t\d+\texit\t0\t/,
	);
	// The kernel reparents a process's children as it exits, before its parent can reap it.
	const adopted = childrenOf(hostPid).filter(pid => namespacePid(pid) !== ownPid && procStat(pid)?.state !== 'Z');
	t.is(adopted.length, 1000, "every orphan is the daemon's child");
	d.send('fd.delete\tgate.w');
	const own = await d.stdout.waitFor(/^service\.state\town\tdown\t/);
	t.regex(
		own,
		/^service\.state\town\tdown\t\d+\t\d+\texit\t42\t/,
		'the exit status of our own child was not taken by the orphan reaping',
	);
	// The reaping of orphans is announced nowhere (debug log at most): /proc shows it.
	await pollUntil(
		() => (descendants(hostPid).length === 0 ? true : undefined),
		() => `every orphan gone (left: ${descendants(hostPid).length}, zombies: ${zombiesUnder(hostPid).length})`,
		45_000,
	);
	t.deepEqual(zombiesUnder(hostPid), []);
	t.is((await d.command('echo\talive')).at(-1), 'alive');
});

needsRoot('200 children exiting in the same instant: every down event, each with its own pid, no zombie', async t => {
	const count = 200;
	const { d, hostPid } = await startAsPid1(t, ['-c', '/dev/null']);
	// Every child blocks reading the same pipe; closing its only write end releases all at once.
	d.send('fd.pipe\tgate.r\tgate.w');
	for (let i = 0; i < count; i++) {
		d.send(`service.args\tc${i}\t/bin/sh\t-c\tread -r line; exit 7`);
		d.send(`service.fds\tc${i}\tgate.r\tnull\tnull`);
		d.send(`service.start\tc${i}`);
	}
	const upPid = new Map<string, string>();
	await d.stdout.collectUntil(line => {
		const up = /^service\.state\t(c\d+)\tup\t\d+\t(\d+)\t/.exec(line);
		if (up) upPid.set(up[1] ?? '', up[2] ?? '');
		return upPid.size === count;
	}, 30_000);
	d.send('fd.delete\tgate.w');
	const downPid = new Map<string, string>();
	await d.stdout.collectUntil(line => {
		const down = /^service\.state\t(c\d+)\tdown\t\d+\t(\d+)\texit\t7\t/.exec(line);
		if (down) downPid.set(down[1] ?? '', down[2] ?? '');
		return downPid.size === count;
	}, 30_000);
	t.is(downPid.size, count);
	t.deepEqual(
		[...downPid].filter(([name, pid]) => upPid.get(name) !== pid),
		[],
		'each down names the pid that was up',
	);
	// The daemon reported every down; that nothing is left behind only /proc shows.
	await pollUntil(() => (descendants(hostPid).length === 0 ? true : undefined), 'all children reaped');
	t.deepEqual(zombiesUnder(hostPid), []);
});

needsRoot(
	'as process 1: termination signals are counted events; a fatal signal under the guard is survived',
	async t => {
		const { d, hostPid } = await startAsPid1(t, ['-c', '/dev/null']);
		for (const name of ['TERM', 'INT', 'HUP', 'USR1', 'USR2', 'QUIT', 'PWR'] as const) {
			process.kill(hostPid, `SIG${name}`);
			await d.stdout.waitFor(new RegExp(`^signal\\tSIG${name}\\t\\d+\\t1$`));
		}
		process.kill(hostPid, 'SIGALRM');
		process.kill(hostPid, 'SIGSEGV');
		await d.stderr.waitFor('fatal: (attempting to continue) Received signal SIGSEGV (11)');
		t.deepEqual(await d.command('echo\tstill here'), ['still here']);
		t.false(processGone(hostPid));
	},
);

needsRoot('as process 1: the /etc/daemonproxy.conf default, guard 1, -D ignored', async t => {
	if (existsSync('/etc/daemonproxy.conf')) {
		t.log('skipped: this machine has /etc/daemonproxy.conf');
		t.pass();
		return;
	}
	const { d } = await startAsPid1(t, ['-D']);
	await d.stderr.waitFor('warning: Ignoring --daemonize (see manual)');
	await d.stderr.waitFor('error: Failed to open config file "/etc/daemonproxy.conf": No such file or directory');
	await d.stderr.waitFor('fatal: (attempting to continue) Unable to process config file');
	t.deepEqual(await d.command('terminate\t0'), ['error\tterminate guard code required, for command "terminate\t0"']);
	// The end of the interactive session does not end process 1 either.
	d.closeStdin();
	await d.stderr.waitFor('warning: interactive session ended, but not exiting due to terminate-guard');
	t.is(d.proc.exitCode, null);
});

test("outside a namespace, --subreaper makes the daemon adopt its services' orphans", async t => {
	const d = await startDaemon(t, ['--subreaper']);
	await d.stderr.waitFor('info: child subreaper: orphaned descendants are reaped by daemonproxy');
	const dir = await tempDir(t);
	const pidFile = join(dir, 'orphan.pid');
	// The orphan blocks reading a pipe whose write end only the daemon holds, until it is deleted.
	d.send('fd.pipe\tgate.r\tgate.w');
	d.send(`service.args\tleaver\t/bin/sh\t-c\t{ read -r line <&3; } & echo $! > ${pidFile}; exit 0`);
	d.send('service.fds\tleaver\tnull\tnull\tnull\tgate.r');
	d.send('service.leftovers\tleaver\tleave'); // adopted, not stopped (the default policy)
	d.send('service.start\tleaver');
	await d.stdout.waitFor(/^service\.state\tleaver\tdown\t\d+\t\d+\texit\t0\t/);
	const orphan = Number(readFileSync(pidFile, 'latin1').trim());
	// bin/daemonproxy execs node: d.pid is the daemon.
	t.is(procStat(orphan)?.ppid, d.pid, 'the orphan was reparented to the daemon');
	d.send('fd.delete\tgate.w');
	// Its reaping is announced nowhere (debug log at most): /proc shows it.
	await pollUntil(() => (procStat(orphan) === undefined ? true : undefined), 'the orphan reaped by the daemon');
	t.deepEqual(zombiesUnder(d.pid), []);
});

test('SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1/2, SIGPWR and SIGALRM never end the daemon', async t => {
	const d = await startDaemon(t, []);
	for (const name of ['TERM', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2', 'PWR'] as const) {
		process.kill(d.pid, `SIG${name}`);
		await d.stdout.waitFor(new RegExp(`^signal\\tSIG${name}\\t\\d+\\t1$`));
	}
	process.kill(d.pid, 'SIGALRM');
	process.kill(d.pid, 'SIGPWR');
	await d.stdout.waitFor(/^signal\tSIGPWR\t\d+\t2$/);
	const dump = await d.command('statedump');
	t.true(
		dump.some(line => /^signal\tSIGPWR\t\d+\t2$/.test(line)),
		'SIGPWR is pending in the statedump',
	);
	t.false(
		dump.some(line => line.startsWith('signal\tSIGALRM')),
		'SIGALRM is caught but not counted',
	);
	// SIGPWR can trigger a service like the 1.1 signals.
	d.send('service.args\tpwr\t/bin/true');
	d.send('service.auto_up\tpwr\t1\tSIGPWR');
	await d.stdout.waitFor(/^service\.state\tpwr\tup\t/);
});
