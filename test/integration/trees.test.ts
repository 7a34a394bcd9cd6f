// Process trees (daemonproxy(8), SERVICES, Process trees) with real trees: each service in its own session;
// a grandchild left behind is reported (log line, opt-in `service.leftover` event) and the policy
// applied; `dpctl stop` leaves nothing of a tree that ignores SIGTERM; in a writable cgroup v2 each
// service has its own cgroup (even a grandchild that leaves the session stays in it) and
// `dpctl status --json` shows its CPU time. The same reports come from the process-group fallback.

import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { dpctlFor, startSocketDaemon } from './dpctl-helpers.js';
import {
	DEFAULT_TIMEOUT_MS,
	daemonBin,
	fixture,
	pollUntil,
	procStatFields,
	processGone,
	SocketClient,
	tempDir,
	watchPath,
} from './helpers/daemon.js';

const UNIFIED = '/sys/fs/cgroup/unified';
const CGROUP2_MAGIC = 0x63677270;

/** The mount of the cgroup v2 hierarchy cgroupRoot used (/proc/PID/cgroup paths are relative to it). */
let cgroupMount = UNIFIED;

/** A fresh child of the machine's cgroup v2 (removed with everything in it), or why there is none. */
function cgroupRoot(t: ExecutionContext): string | { reason: string } {
	for (const base of [UNIFIED, '/sys/fs/cgroup']) {
		try {
			if (statfsSync(base).type !== CGROUP2_MAGIC) continue;
			const dir = join(base, `dp-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
			mkdirSync(dir);
			t.teardown(() => removeCgroup(dir));
			cgroupMount = base;
			return dir;
		} catch {
			continue;
		}
	}
	return { reason: `no writable cgroup v2 at ${UNIFIED} or /sys/fs/cgroup` };
}

/** Kills what is left in the subtree, then removes it, leaves first. */
async function removeCgroup(dir: string): Promise<void> {
	if (!existsSync(dir)) return;
	for (const entry of readdirSync(dir, { withFileTypes: true }))
		if (entry.isDirectory()) await removeCgroup(join(dir, entry.name));
	try {
		writeFileSync(join(dir, 'cgroup.kill'), '1');
	} catch {
		// Empty, or removed meanwhile.
	}
	await pollUntil(() => {
		try {
			rmdirSync(dir);
			return true;
		} catch (error: unknown) {
			return (error as NodeJS.ErrnoException).code === 'ENOENT' ? true : undefined;
		}
	}, `removing ${dir}`).catch(() => {});
}

async function readPid(path: string): Promise<number> {
	return watchPath(
		path,
		() => {
			const text = existsSync(path) ? readFileSync(path, 'latin1').trim() : '';
			return /^\d+$/.test(text) ? Number(text) : undefined;
		},
		`a pid in ${path}`,
	);
}

/** Whatever a failed test leaves running is killed. */
function killLater(t: ExecutionContext, pid: number): void {
	t.teardown(() => {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// ESRCH: the test ended it, as it should.
		}
	});
}

function cgroupOf(pid: number): string {
	return /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'latin1'))?.[1] ?? '';
}

async function treeDaemon(t: ExecutionContext, cgroup: string) {
	const { socket, daemon, dir } = await startSocketDaemon(t, ['--cgroup', cgroup]);
	// Generous: a stop waits for the tree's grace, and the suite shares a busy machine.
	const base = dpctlFor(socket);
	const dpctl = (args: readonly string[]) => base(['--timeout', '30', ...args]);
	const admin = await SocketClient.connect(socket);
	t.teardown(() => admin.close());
	// Its own events (the 1.1 stream) come back on it too: only error and warning lines count.
	const command = async (line: string): Promise<void> => {
		const replies = await admin.command(line);
		t.deepEqual(
			replies.filter(l => /^(error|warning)\t/.test(l)),
			[],
			line,
		);
	};
	return { socket, daemon, dir, dpctl, admin, command };
}

for (const mode of ['process group', 'cgroup'] as const) {
	test(`${mode}: a grandchild left behind is reported with its pid, then stopped (TERM, KILL after the grace)`, async t => {
		let cgroup = 'off';
		if (mode === 'cgroup') {
			const root = cgroupRoot(t);
			if (typeof root !== 'string') {
				t.log(`skipped: ${root.reason}`);
				t.pass();
				return;
			}
			cgroup = root;
		}
		const { daemon, dir, command, socket } = await treeDaemon(t, cgroup);
		const watcher = await SocketClient.connect(socket);
		t.teardown(() => watcher.close());
		t.deepEqual(await watcher.command('events.subscribe\tservice.leftover'), []);
		const pidFile = join(dir, 'grandchild');
		await command(`service.args\tleaver\t${fixture('leave-child.sh')}\t${pidFile}\tignore-term`);
		await command('service.leftovers\tleaver\tstop\t1');
		await command('service.start\tleaver');
		const grandchild = await readPid(pidFile);
		killLater(t, grandchild);

		const stop = await watcher.lines.waitFor(/^service\.leftover\tleaver\t/);
		t.is(stop, `service.leftover\tleaver\tstop\t${grandchild}`);
		const log = await daemon.stderr.waitFor(/service 'leaver' exited leaving/);
		t.regex(log, new RegExp(`exited leaving 1 process: ${grandchild} \\(sleep\\): sending SIGTERM, SIGKILL after 1 s`));
		// It ignores SIGTERM: only the SIGKILL at the end of the grace ends it.
		t.is(await watcher.lines.waitFor(/^service\.leftover\tleaver\t/), `service.leftover\tleaver\tkill\t${grandchild}`);
		await daemon.stderr.waitFor(
			new RegExp(`SIGKILL to 1 process: ${grandchild} \\(sleep\\) still running 1 s after SIGTERM`),
		);
		await pollUntil(() => processGone(grandchild) || undefined, 'the grandchild to end');
		// A connection that never subscribed by name (the 1.1 stream of the admin) saw nothing.
		t.false(daemon.stdout.seen.some(line => line.startsWith('service.leftover')));
	});

	test(`${mode}: policy leave reports the leftover and leaves it running`, async t => {
		let cgroup = 'off';
		if (mode === 'cgroup') {
			const root = cgroupRoot(t);
			if (typeof root !== 'string') {
				t.log(`skipped: ${root.reason}`);
				t.pass();
				return;
			}
			cgroup = root;
		}
		const { daemon, dir, command } = await treeDaemon(t, cgroup);
		const pidFile = join(dir, 'grandchild');
		await command(`service.args\tleaver\t${fixture('leave-child.sh')}\t${pidFile}`);
		await command('service.leftovers\tleaver\tleave');
		await command('service.start\tleaver');
		const grandchild = await readPid(pidFile);
		killLater(t, grandchild);
		t.regex(
			await daemon.stderr.waitFor(/service 'leaver' exited leaving/),
			new RegExp(`leaving 1 process: ${grandchild} \\(sleep\\) \\(left alone: service.leftovers leaver leave\\)`),
		);
		t.false(processGone(grandchild));
	});

	test(`${mode}: dpctl stop of a tree that ignores SIGTERM leaves no process of it`, async t => {
		let cgroup = 'off';
		if (mode === 'cgroup') {
			const root = cgroupRoot(t);
			if (typeof root !== 'string') {
				t.log(`skipped: ${root.reason}`);
				t.pass();
				return;
			}
			cgroup = root;
		}
		const { dir, command, dpctl } = await treeDaemon(t, cgroup);
		const pidFile = join(dir, 'grandchild');
		// The policy says leave, but a stop takes the whole tree anyway.
		await command(`service.args\tstubborn\t${fixture('leave-child.sh')}\t${pidFile}\tignore-term\tstay`);
		await command('service.leftovers\tstubborn\tleave\t1');
		t.is((await dpctl(['start', 'stubborn'])).exitCode, 0);
		const grandchild = await readPid(pidFile);
		killLater(t, grandchild);
		const status = JSON.parse((await dpctl(['--json', 'status', 'stubborn'])).stdout) as Array<{
			pid: number;
			processes: number[];
		}>;
		const main = status[0]?.pid ?? 0;
		t.true(status[0]?.processes.includes(grandchild), JSON.stringify(status));
		t.true(status[0]?.processes.includes(main));
		const stop = await dpctl(['stop', 'stubborn']);
		t.is(stop.exitCode, 0, stop.stderr);
		t.true(processGone(main));
		t.true(processGone(grandchild), 'dpctl stop returned while the grandchild still ran');
		const after = JSON.parse((await dpctl(['--json', 'status', 'stubborn'])).stdout) as Array<{ processes: number[] }>;
		t.deepEqual(after[0]?.processes, []);
	});
}

test('process group: each service leads its own session and process group', async t => {
	const { dir, command, dpctl } = await treeDaemon(t, 'off');
	const pidFile = join(dir, 'grandchild');
	await command(`service.args\tsvc\t${fixture('leave-child.sh')}\t${pidFile}\tstay`);
	t.is((await dpctl(['start', 'svc'])).exitCode, 0);
	const grandchild = await readPid(pidFile);
	killLater(t, grandchild);
	const [entry] = JSON.parse((await dpctl(['--json', 'status', 'svc'])).stdout) as Array<Record<string, unknown>>;
	const pid = entry?.['pid'] as number;
	const stat = procStatFields(pid) ?? [];
	// /proc/PID/stat after the command: state ppid pgrp session …
	t.deepEqual([stat[2], stat[3]].map(Number), [pid, pid]);
	t.like(entry, { cgroup: null, cpuUsec: null, memoryBytes: null });
	t.is((await dpctl(['stop', 'svc'])).exitCode, 0);
	t.true(processGone(grandchild));
});

test('cgroup: each service has its own cgroup, a grandchild that leaves the session stays in it, status shows CPU time', async t => {
	const root = cgroupRoot(t);
	if (typeof root !== 'string') {
		t.log(`skipped: ${root.reason}`);
		t.pass();
		return;
	}
	const { daemon, dir, command, dpctl } = await treeDaemon(t, root);
	const base = root.slice(cgroupMount.length);
	t.is(cgroupOf(daemon.pid), `${base}/daemon`, 'the daemon moved itself to a leaf');
	const pidFile = join(dir, 'grandchild');
	await command(`service.args\tescaper\t${fixture('leave-child.sh')}\t${pidFile}\tsetsid\tstay`);
	await command(
		'service.args\tburner\t/bin/sh\t-c\ti=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; exec sleep 1000',
	);
	t.is((await dpctl(['start', 'escaper', 'burner'])).exitCode, 0);
	const grandchild = await readPid(pidFile);
	killLater(t, grandchild);
	t.is(cgroupOf(grandchild), `${base}/services/escaper`);
	const grandStat = procStatFields(grandchild) ?? [];
	t.is(Number(grandStat[3]), grandchild, 'the grandchild leads a session of its own');

	const burnerCpu = await pollUntil(async () => {
		const [entry] = JSON.parse((await dpctl(['--json', 'status', 'burner'])).stdout) as Array<Record<string, unknown>>;
		const cpu = entry?.['cpuUsec'];
		return typeof cpu === 'number' && cpu > 0 ? entry : undefined;
	}, 'burner to show CPU time');
	t.is(burnerCpu?.['cgroup'], `${root}/services/burner`);
	t.is(cgroupOf(burnerCpu?.['pid'] as number), `${base}/services/burner`);

	t.is((await dpctl(['stop', 'escaper', 'burner'])).exitCode, 0);
	t.true(processGone(grandchild), 'the grandchild outside the session was stopped with its cgroup');
	t.deepEqual(readFileSync(`${root}/services/escaper/cgroup.procs`, 'latin1'), '');
});

test('--cgroup PATH outside a cgroup v2: a clear startup error', async t => {
	const dir = await tempDir(t);
	const result = await execa(daemonBin, ['-S', join(dir, 'd.sock'), '--cgroup', join(dir, 'nope')], {
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
		stdin: 'ignore',
	});
	t.not(result.exitCode, 0);
	t.true(
		String(result.stderr).includes(`--cgroup ${dir}/nope: ${dir}/nope is not in a cgroup v2 hierarchy`),
		result.stderr,
	);
});
