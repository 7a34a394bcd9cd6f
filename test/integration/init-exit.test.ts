// Every trappable exit path (spec §7.25, §11.1, §13.5, §13.6, §13.10): terminate, the end of the
// interactive session, fatal startup errors, -h, option errors, fatal signals (sent by kill, or
// raised by the process itself and handled natively), uncaught exceptions. With -E each really
// execs the program (same pid, DAEMONPROXY_EXITCODE / DAEMONPROXY_ERROR, handles, controller
// connections and the control socket inherited); without it each ends with its status; under a
// guard the fatal ones are logged and survived.

import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { repoRoot, SocketClient, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

interface ExecRecord {
	pid: number;
	code: string;
	error: string;
	fds: Map<number, string>;
}

/** A program for -E that records what it inherited, then exits 0. */
async function recorder(
	t: ExecutionContext,
): Promise<{ program: string; out: string; read: (d: Daemon) => Promise<ExecRecord> }> {
	const dir = await tempDir(t);
	const out = join(dir, 'exec.out');
	const program = join(dir, 'on-exit.sh');
	writeFileSync(
		program,
		`#!/bin/sh
{ echo "pid=$$"; echo "code=$DAEMONPROXY_EXITCODE"; echo "error=$DAEMONPROXY_ERROR"
  for f in /proc/$$/fd/*; do echo "fd \${f##*/} $(readlink "$f")"; done; } > ${out}.tmp
mv ${out}.tmp ${out}
`,
		{ mode: 0o755 },
	);
	// The program replaces the daemon (same pid, our child) and renames its record into place
	// before it exits: the exit says the record is complete.
	const read = async (d: Daemon): Promise<ExecRecord> => {
		await d.proc;
		const lines = readFileSync(out, 'latin1').split('\n');
		const field = (name: string): string =>
			lines.find(line => line.startsWith(`${name}=`))?.slice(name.length + 1) ?? '';
		const fds = new Map<number, string>();
		for (const line of lines) {
			const match = /^fd (\d+) (.*)$/.exec(line);
			if (match) fds.set(Number(match[1]), match[2] ?? '');
		}
		return { pid: Number(field('pid')), code: field('code'), error: field('error'), fds };
	};
	return { program, out, read };
}

function fdLinks(pid: number): Map<number, string> {
	const links = new Map<number, string>();
	for (const entry of readdirSync(`/proc/${pid}/fd`)) {
		try {
			links.set(Number(entry), readlinkSync(`/proc/${pid}/fd/${entry}`));
		} catch {
			// closed meanwhile
		}
	}
	return links;
}

/** Descriptors `pid` opened while `action` ran: number → link target. */
async function newFds(pid: number, action: () => Promise<unknown>): Promise<Map<number, string>> {
	const before = fdLinks(pid);
	await action();
	const added = new Map<number, string>();
	for (const [fd, link] of fdLinks(pid)) if (before.get(fd) !== link) added.set(fd, link);
	return added;
}

test('terminate execs the -E program: same pid, the environment of §13.6, handles, connections and the control socket inherited', async t => {
	const { program, read } = await recorder(t);
	const dir = await tempDir(t);
	const d = await startDaemon(t, ['-E', program]);
	const pipeFds = await newFds(d.pid, () => d.command('fd.pipe\tp.r\tp.w'));
	const socketFds = await newFds(d.pid, () => d.command(`socket.create\t\t${join(dir, 'ctl.sock')}`));
	let client: SocketClient | undefined;
	const connectionFds = await newFds(d.pid, async () => {
		client = await SocketClient.connect(join(dir, 'ctl.sock'));
		await client.command('echo\tconnected');
	});
	t.is(pipeFds.size, 2);
	t.is(socketFds.size, 1);
	t.true(connectionFds.size >= 1);
	d.send('terminate\t9');
	await d.stderr.waitFor(`warning: daemonproxy exec_on_exit to '${program}'`);
	const record = await read(d);
	t.is(record.pid, d.pid, 'the process image was replaced: same pid');
	t.is(record.code, '9');
	t.is(record.error, 'terminated normally');
	for (const [fd, link] of [...pipeFds, ...socketFds, ...connectionFds]) {
		t.is(record.fds.get(fd), link, `fd ${fd} (${link}) inherited`);
	}
	client?.close();
	t.is((await d.proc).exitCode, 0, "the exit status is now the program's");
});

test('the end of the interactive session execs with status 0', async t => {
	const { program, read } = await recorder(t);
	const d = await startDaemon(t, ['-E', program]);
	d.closeStdin();
	const record = await read(d);
	t.deepEqual([record.pid, record.code, record.error], [d.pid, '0', 'terminated normally']);
});

const STARTUP_CASES: ReadonlyArray<readonly [string, (program: string) => string[], string, string]> = [
	[
		'a fatal startup error',
		program => ['-E', program, '-S', '/nonexistent/dir/ctl.sock'],
		'3',
		"Can't create controller socket",
	],
	['an unknown option', program => ['-E', program, '--bogus'], '2', 'Unknown option --bogus  (see --help)'],
	['-h', program => ['-E', program, '-h'], '1', ''],
];

for (const [what, args, code, error] of STARTUP_CASES) {
	test(`${what} execs the -E program (code ${code})`, async t => {
		const { program, read } = await recorder(t);
		const d = await startDaemon(t, args(program), { interactive: false });
		const record = await read(d);
		t.deepEqual([record.pid, record.code, record.error], [d.pid, code, error]);
	});
}

test('a failed exec is logged and the normal exit follows', async t => {
	const d = await startDaemon(t, ['-E', '/nonexistent/program']);
	d.send('terminate\t6');
	await d.stderr.waitFor('error: Unable to exec "/nonexistent/program": No such file or directory');
	await d.stderr.waitFor('info: daemonproxy exiting');
	t.is((await d.proc).exitCode, 6);
});

test('each fatal signal sent by kill: `Received signal SIG… (N)` and exit 4', async t => {
	const signals = [
		['SIGABRT', 6],
		['SIGFPE', 8],
		['SIGILL', 4],
		['SIGSEGV', 11],
		['SIGBUS', 7],
		['SIGTRAP', 5],
	] as const;
	await Promise.all(
		signals.map(async ([name, number]) => {
			const d = await startDaemon(t, []);
			d.send('service.args\tsleeper\t/bin/sleep\t30');
			d.send('service.start\tsleeper');
			const pid = (await d.stdout.waitFor(/^service\.state\tsleeper\tup\t/)).split('\t')[4];
			process.kill(d.pid, name);
			await d.stderr.waitFor(`fatal: Received signal ${name} (${number})`);
			await d.stderr.waitFor(`warning: service 'sleeper' running as pid ${pid}`);
			const result = await d.proc;
			t.is(result.exitCode, 4, name);
		}),
	);
});

test('a fatal signal execs the -E program with code 4; under a guard it is survived', async t => {
	const { program, read } = await recorder(t);
	const d = await startDaemon(t, ['-E', program]);
	process.kill(d.pid, 'SIGBUS');
	const record = await read(d);
	t.deepEqual([record.pid, record.code, record.error], [d.pid, '4', 'Received signal SIGBUS (7)']);

	const guarded = await startDaemon(t, ['--exit-guard', '5']);
	for (const [name, number] of [
		['SIGSEGV', 11],
		['SIGTRAP', 5],
		['SIGABRT', 6],
	] as const) {
		process.kill(guarded.pid, name);
		await guarded.stderr.waitFor(`fatal: (attempting to continue) Received signal ${name} (${number})`);
	}
	t.deepEqual(await guarded.command('echo\tsurvived'), ['survived']);
});

/**
 * A daemon started through a script that calls main() and then misbehaves as `crash` says, once
 * the daemon is up: after its banner, the test creates the file the script waits for (inotify;
 * watched before main() runs, since main() writes the banner before it returns).
 */
async function crashingDaemon(t: ExecutionContext, crash: string, args: string[]) {
	const dir = await tempDir(t);
	const trigger = join(dir, 'crash-now');
	// A .js file (the harness runs those with node); CommonJS here, so the module is imported dynamically.
	const script = join(dir, 'crash.js');
	writeFileSync(
		script,
		`import(${JSON.stringify(join(repoRoot, 'build/src/daemon/main.js'))}).then(({main}) => {
	const fs = require('node:fs');
	const watcher = fs.watch(${JSON.stringify(dir)}, () => {
		if (!fs.existsSync(${JSON.stringify(trigger)})) return;
		watcher.close();
		${crash}
	});
	main(process.argv.slice(2));
});
`,
	);
	const d = await startDaemon(t, args, { bin: script });
	writeFileSync(trigger, '');
	return d;
}

test('an uncaught exception: its stack in the log, then the fatal path (exit 4)', async t => {
	const d = await crashingDaemon(t, 'throw new RangeError("boom")', []);
	await d.stderr.waitFor(/^error: uncaught exception: RangeError: boom\\n {4}at /);
	await d.stderr.waitFor('fatal: Uncaught exception: RangeError: boom');
	t.is((await d.proc).exitCode, 4);
});

test('an uncaught exception execs the -E program; under a guard the daemon carries on', async t => {
	const { program, read } = await recorder(t);
	const d = await crashingDaemon(t, 'Promise.reject(new Error("lost promise"))', ['-E', program]);
	const record = await read(d);
	t.deepEqual([record.pid, record.code, record.error], [d.pid, '4', 'Uncaught exception: Error: lost promise']);

	const guarded = await crashingDaemon(t, 'throw new Error("boom")', ['--exit-guard', '1']);
	await guarded.stderr.waitFor('fatal: (attempting to continue) Uncaught exception: Error: boom');
	t.deepEqual(await guarded.command('echo\tsurvived'), ['survived']);
});

test('a fault the daemon raises itself is handled natively: the fatal line, then exec-on-exit or exit 4', async t => {
	const plain = await crashingDaemon(t, 'process.kill(process.pid, "SIGSEGV")', []);
	await plain.stderr.waitFor('fatal: Received signal SIGSEGV (11)');
	t.is((await plain.proc).exitCode, 4);

	const aborted = await crashingDaemon(t, 'process.abort()', ['--exit-guard', '1']);
	await aborted.stderr.waitFor('fatal: Received signal SIGABRT (6)');
	t.is((await aborted.proc).exitCode, 4, 'a real fault cannot be survived, guard or not');

	const { program, read } = await recorder(t);
	const execs = await crashingDaemon(t, 'process.kill(process.pid, "SIGFPE")', ['-E', program]);
	const record = await read(execs);
	t.deepEqual([record.pid, record.code, record.error], [execs.pid, '4', 'Received signal SIGFPE (8)']);
});
