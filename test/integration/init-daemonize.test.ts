// -D / --daemonize (spec §13.8, daemonproxy(8)): the command prints the daemon's pid without a
// newline and exits 0 once the daemon is set up (socket created, config opened); the daemon is a
// session leader with /dev/null on 0–2 and holds nothing of the caller's terminal or pipes (so
// `pid=$(daemonproxy -D …)` returns); startup failures come back as the command's status.

import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import {
	daemonBin,
	DEFAULT_TIMEOUT_MS,
	killProcessTree,
	readText,
	SocketClient,
	startDaemon,
	tempDir,
	watchPath,
} from './helpers/daemon.js';
import { procStat } from './init-support.js';

/** Runs `command` to completion (its pipes closed by everyone); a daemon it leaves is killed at teardown. */
async function launch(t: ExecutionContext, file: string, args: string[]) {
	const subprocess = execa(file, args, {
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
		encoding: 'latin1',
		stdin: 'ignore',
	});
	const result = await subprocess;
	const pid = /^\d+$/.test(result.stdout) ? Number(result.stdout) : null;
	if (pid !== null) t.teardown(() => killProcessTree(pid));
	return { result, pid, launcher: subprocess.pid };
}

function sessionOf(pid: number): number {
	const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
	return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[3]);
}

test('-D prints the pid without a newline, exits 0, and leaves a detached session leader that works', async t => {
	const dir = await tempDir(t);
	const sock = join(dir, 'ctl.sock');
	const inheritedFile = join(dir, 'inherited');
	writeFileSync(inheritedFile, 'x');
	// execa returns only once stdout and stderr are closed by every holder: the daemon holds neither.
	const { result, pid, launcher } = await launch(t, '/bin/sh', [
		'-c',
		`exec 7<${inheritedFile}; exec ${daemonBin} -D -S ${sock}`,
	]);
	t.is(result.exitCode, 0, result.stderr);
	t.regex(result.stdout, /^\d+$/, 'only the pid, no newline');
	if (pid === null) return;
	t.is(result.stderr, '');
	t.not(procStat(pid), undefined, 'the daemon runs');
	t.is(sessionOf(pid), pid, 'it leads its own session');
	t.not(procStat(pid)?.ppid, launcher, "it is not the launcher's child any more");
	for (const fd of [0, 1, 2]) t.is(readlinkSync(`/proc/${pid}/fd/${fd}`), '/dev/null', `fd ${fd}`);
	const client = await SocketClient.connect(sock);
	t.teardown(() => client.close());
	const dump = await client.command('statedump');
	t.false(dump.includes('fd_7'), 'descriptors 3 and up of the caller are not handles of the daemon');
	t.false(
		readdirSync(`/proc/${pid}/fd`).some(fd => readlinkSync(`/proc/${pid}/fd/${fd}`) === inheritedFile),
		'nor open in the daemon',
	);
	// The stdin/stdout/stderr handles are /dev/null now: a child given them writes nowhere visible.
	await client.command(
		'service.args\tprobe\t/bin/sh\t-c\tprintf "%s\\n" "$(readlink /proc/$$/fd/1)" "$(readlink /proc/$$/fd/2)" >&3',
	);
	await client.command(`fd.open\tout\twrite,create\t${join(dir, 'probe.out')}`);
	await client.command('service.fds\tprobe\tstdin\tstdout\tstderr\tout');
	client.send('service.start\tprobe');
	await client.lines.waitFor(/^service\.state\tprobe\tdown\t/);
	t.is(readFileSync(join(dir, 'probe.out'), 'latin1'), '/dev/null\n/dev/null\n');
});

// A caller that leaks a pipe's write end as descriptor 3: the pipeline ends when the launcher does.
test('-D in a pipeline with a leaked pipe descriptor: `… | cat` returns once the launcher exits', async t => {
	const dir = await tempDir(t);
	const sock = join(dir, 'ctl.sock');
	const { result, pid } = await launch(t, '/bin/sh', ['-c', `${daemonBin} -D -S ${sock} 3>&1 | cat`]);
	t.is(result.exitCode, 0, result.stderr);
	t.regex(result.stdout, /^\d+$/);
	t.not(pid, null);
	const client = await SocketClient.connect(sock);
	t.teardown(() => client.close());
	t.false((await client.command('statedump')).includes('fd_3'));
});

test('-D: the log is held until log.dest, then delivered', async t => {
	const dir = await tempDir(t);
	const sock = join(dir, 'ctl.sock');
	const { result, pid } = await launch(t, daemonBin, ['-D', '-S', sock]);
	t.is(result.exitCode, 0, result.stderr);
	t.not(pid, null);
	const client = await SocketClient.connect(sock);
	t.teardown(() => client.close());
	await client.command('no.such.command');
	const logFile = join(dir, 'daemon.log');
	await client.command(`fd.open\tlog\twrite,create,append\t${logFile}`);
	await client.command('log.dest\tfd\tlog');
	await watchPath(
		logFile,
		() =>
			readFileSync(logFile, 'latin1').includes('error: controller[0] sent unknown command no.such.command')
				? true
				: undefined,
		'the held log line in the log file',
	);
	t.pass();
});

test("-D: a startup failure is the command's exit status, its message on the caller's stderr", async t => {
	const { result, pid } = await launch(t, daemonBin, ['-D', '-S', '/nonexistent/dir/ctl.sock']);
	t.is(pid, null);
	t.is(result.exitCode, 3);
	t.is(result.stdout, '');
	t.regex(result.stderr, /^fatal: Can't create controller socket$/m);
});

test('-D: exec-on-exit during startup replaces the daemon; the command prints its pid and exits with the status', async t => {
	const dir = await tempDir(t);
	const out = join(dir, 'exec.out');
	const program = join(dir, 'on-exit.sh');
	writeFileSync(program, `#!/bin/sh\necho "$$ $DAEMONPROXY_EXITCODE $DAEMONPROXY_ERROR" > ${out}\n`, { mode: 0o755 });
	const { result, pid } = await launch(t, daemonBin, ['-D', '-E', program, '-S', '/nonexistent/dir/ctl.sock']);
	t.is(result.exitCode, 3);
	t.not(pid, null);
	// The program is no child of ours (the launcher's, detached): its whole line in the file is the sign.
	const line = await watchPath(out, () => (readText(out).endsWith('\n') ? readText(out) : undefined), `${out} written`);
	t.is(line, `${pid} 3 Can't create controller socket\n`);
});

test('-D with -i is ignored with the 1.1 warning', async t => {
	const d = await startDaemon(t, ['-D']);
	await d.stderr.waitFor('warning: Ignoring --daemonize (see manual)');
	t.deepEqual(await d.command('echo\tin the foreground'), ['in the foreground']);
});
