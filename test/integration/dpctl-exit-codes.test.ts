// dpctl's exit statuses against the real daemon (design §6): 0, 1 (the daemon said error),
// 99 (timeout), 100 (usage, before connecting), 111 (no socket, refused, lost connection), and
// its diagnostics. Also the two ways of matching replies: request tags and 1.1 echo barriers.

import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import {
	DEFAULT_TIMEOUT_MS,
	dpctlBin,
	killProcessTree,
	LineReader,
	pollUntil,
	SocketClient,
	startDaemon,
	tempDir,
} from './helpers/daemon.js';
import { dpctl, dpctlFor, MODES, startSocketDaemon } from './dpctl-helpers.js';

for (const mode of MODES) {
	test(`${mode}: a verb's output and exit status 0, an error's message and 1`, async t => {
		const { socket } = await startSocketDaemon(t);
		const run = dpctlFor(socket, mode);
		const echo = await run(['echo', 'hello', '', 'world']);
		t.is(echo.exitCode, 0, echo.stderr);
		t.deepEqual(echo.lines, ['hello\t\tworld']);
		// Echoed text shaped like a terminal line (`:TAG\tok`) or an error is still the reply.
		for (const text of [['ok'], ['error', 'x']]) {
			const same = await run(['echo', ...text]);
			t.is(same.exitCode, 0, same.stderr);
			t.deepEqual(same.lines, [text.join('\t')]);
		}
		const args = await run(['service.args', 'web', '/bin/sleep', '100']);
		t.is(args.exitCode, 0, args.stderr);
		const error = await run(['service.start', 'ghost']);
		t.is(error.exitCode, 1);
		t.is(error.stderr, 'dpctl: error: No such service (service.start ghost)');
		const fds = await run(['service.fds', 'web', 'null', 'nope']);
		t.is(fds.exitCode, 0);
		t.true(fds.lines.includes('warning: fd "nope" is not yet defined'));
		const dump = await run(['statedump']);
		t.is(dump.exitCode, 0);
		t.true(dump.lines.includes('service.args\tweb\t/bin/sleep\t100'));
		t.true(dump.lines.includes('fd.state\tnull\tspecial\tread,write\t/dev/null'));
		const json = await run(['--json', 'service.delete', 'ghost']);
		t.is(json.exitCode, 1);
		t.like(JSON.parse(json.stdout), { ok: false, error: 'No such service' });
	});
}

test('100: control bytes, an unknown command or option, a missing argument, no verb off a terminal', async t => {
	const { socket, daemon } = await startSocketDaemon(t);
	for (const args of [
		['echo', 'a\tb'],
		['echo', 'a\nb'],
		['service.args', 'x', 'a\x1bb'],
		['bogus'],
		['--bogus', 'statedump'],
		['stop'],
		[],
		['fd.take', 'h'],
		['--timeout', 'soon', 'statedump'],
		['watch', 'bad pattern'],
	]) {
		const result = await dpctl(socket, args);
		t.is(result.exitCode, 100, `${JSON.stringify(args)}: ${result.stderr}`);
		t.regex(result.stderr, /^dpctl: /);
	}
	t.regex((await dpctl(socket, ['echo', 'a\tb'])).stderr, /argument 1 contains a control character \(\\t\)/);
	// None of them reached the daemon.
	t.false(daemon.stderr.seen.some(line => line.includes('command')));
});

test('111: no socket (ENOENT), nobody listening (ECONNREFUSED), with the hint', async t => {
	const missing = await dpctl('/nonexistent/daemonproxy.sock', ['statedump']);
	t.is(missing.exitCode, 111);
	t.is(
		missing.stderr,
		'dpctl: fatal: unable to connect to /nonexistent/daemonproxy.sock: ENOENT (is daemonproxy running? set DAEMONPROXY_SOCKET or -S)',
	);
	const { socket, daemon } = await startSocketDaemon(t);
	killProcessTree(daemon.pid); // SIGKILL: the socket file stays behind
	await daemon.proc;
	const refused = await dpctl(socket, ['statedump']);
	t.is(refused.exitCode, 111);
	t.regex(refused.stderr, /unable to connect to .*: ECONNREFUSED \(is daemonproxy running\?/);
	const flag = await dpctl('/nonexistent', ['-S', join(socket, '..', 'other.sock'), 'statedump']);
	t.regex(flag.stderr, /other\.sock: ENOENT/, '-S wins over DAEMONPROXY_SOCKET');
});

test('111: the connection lost while watching', async t => {
	const { socket, daemon } = await startSocketDaemon(t);
	const watching = execa(process.execPath, [dpctlBin, '-S', socket, 'watch'], {
		reject: false,
		buffer: false,
		encoding: 'latin1',
	});
	t.teardown(() => watching.kill('SIGKILL'));
	const lines = new LineReader(watching.stdout, 'dpctl watch');
	const errors = streamText(watching.stderr);
	// An event the watcher prints shows it is connected; nothing else does, and an event sent
	// before that is lost, so probes go out (over one connection of ours) until one is printed.
	const prober = await SocketClient.connect(socket);
	t.teardown(() => prober.close());
	await pollUntil(async () => {
		await prober.command('service.tags\tprobe\tx');
		return lines.seen.includes('service.tags\tprobe\tx') ? true : undefined;
	}, 'dpctl watch printing events');
	prober.close();
	killProcessTree(daemon.pid);
	const result = await watching;
	t.is(result.exitCode, 111);
	t.regex(await errors, /^dpctl: fatal: lost connection to /);
});

async function streamText(stream: NodeJS.ReadableStream | null): Promise<string> {
	let text = '';
	for await (const chunk of stream ?? []) text += String(chunk);
	return text;
}

test('99: nothing happened before --timeout', async t => {
	const { socket } = await startSocketDaemon(t);
	// Starting Node can take seconds on a loaded machine, and dpctl's deadline only runs from
	// there: what a dpctl costs anyway, measured just before, is not counted against the bound.
	const echoStarted = performance.now();
	t.is((await dpctl(socket, ['echo', 'x'])).exitCode, 0);
	const overhead = performance.now() - echoStarted;
	const started = performance.now();
	const result = await dpctl(socket, ['--timeout', '0.3', 'wait', 'service.state:never', 'up']);
	const elapsed = performance.now() - started;
	t.is(result.exitCode, 99);
	t.is(result.stderr, 'dpctl: timed out after 0.3 s');
	t.true(elapsed >= 300, `${Math.round(elapsed)} ms: not before its deadline`);
	t.true(
		elapsed < overhead + 5000,
		`${Math.round(elapsed)} ms, a dpctl echo taking ${Math.round(overhead)} ms: at its deadline, not long after`,
	);
});

// Node's net module cannot reach an exact-length abstract address; dpctl used to go through socat.
test('an abstract socket (@name): dpctl connects by itself, with no socat on PATH', async t => {
	const name = `@dpctl-test-${process.pid}-${Date.now()}`;
	await startDaemon(t, ['-S', name]); // its banner comes after the socket listens
	const noSocat = { PATH: await tempDir(t) }; // an empty directory: there is nothing to spawn
	const result = await dpctl(name, ['echo', 'abstract'], { env: noSocat });
	t.is(result.exitCode, 0, result.stderr);
	t.deepEqual(result.lines, ['abstract']);
	t.is((await dpctl('/nonexistent', ['-S', name, 'echo', 'x'], { env: noSocat })).exitCode, 0, 'with -S');
	// The daemon's peer is dpctl itself, not a helper process in between.
	const whoami = execa(process.execPath, [dpctlBin, '-S', name, '--json', 'whoami'], {
		env: noSocat,
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
		stdin: 'ignore',
	});
	const who = await whoami;
	t.is(who.exitCode, 0, String(who.stderr));
	const { pid } = JSON.parse(String(who.stdout)) as { pid: number | undefined };
	t.is(pid, whoami.pid);
});

test('111: an abstract name nobody listens on, an empty one, one too long, with the hint', async t => {
	const name = `@dpctl-missing-${process.pid}-${Date.now()}`;
	const missing = await dpctl(name, ['statedump']);
	t.is(missing.exitCode, 111);
	t.is(
		missing.stderr,
		`dpctl: fatal: unable to connect to ${name}: ECONNREFUSED (no daemonproxy listening on abstract socket ${name}; ` +
			`start it with -S ${name}, or set DAEMONPROXY_SOCKET or -S)`,
	);
	const empty = await dpctl('@', ['statedump']);
	t.is(empty.exitCode, 111);
	t.is(empty.stderr, 'dpctl: fatal: unable to connect to @: the abstract socket name after @ is empty');
	const long = `@${'x'.repeat(108)}`;
	const tooLong = await dpctl(long, ['statedump']);
	t.is(tooLong.exitCode, 111);
	t.is(
		tooLong.stderr,
		`dpctl: fatal: unable to connect to ${long}: ENAMETOOLONG (an abstract socket name has at most 107 bytes after the @)`,
	);
});

test('exit and terminate: the end of the connection is their success', async t => {
	const { socket, daemon } = await startSocketDaemon(t);
	t.is((await dpctl(socket, ['exit'])).exitCode, 0);
	t.is((await dpctl(socket, ['terminate.guard', '+', '7'])).exitCode, 0);
	const refused = await dpctl(socket, ['terminate', '3']);
	t.is(refused.exitCode, 1);
	t.is(refused.stderr, 'dpctl: error: terminate guard code required (terminate 3)');
	t.is((await dpctl(socket, ['terminate.guard', '-', '7'])).exitCode, 0);
	t.is((await dpctl(socket, ['terminate', '3'])).exitCode, 0);
	t.is((await daemon.proc).exitCode, 3);
});

// As root (CI): another user is refused, by the socket file's mode or by the daemon itself.
const asRoot = process.getuid?.() === 0 ? test : test.skip;
asRoot(
	'111: a user without a role is refused (EACCES on a path, the daemon says so on an abstract socket)',
	async t => {
		const { socket } = await startSocketDaemon(t);
		const nobody = {
			uid: 65534,
			gid: 65534,
			reject: false,
			encoding: 'latin1',
			stdin: 'ignore',
			env: { NO_COLOR: '' },
		} as const;
		const path = await execa(process.execPath, [dpctlBin, '-S', socket, 'statedump'], nobody);
		t.is(path.exitCode, 111);
		t.regex(String(path.stderr), /: EACCES \(permission denied by the socket's file mode .*--socket-mode .*--allow/);
		const name = `@dpctl-refuse-${process.pid}-${Date.now()}`;
		await startDaemon(t, ['-S', name]); // its banner comes after the socket listens
		const abstract = await execa(process.execPath, [dpctlBin, '-S', name, 'statedump'], nobody);
		t.is(abstract.exitCode, 111);
		t.is(String(abstract.stderr), 'dpctl: fatal: daemonproxy closed the connection: permission denied for uid 65534');
	},
);
