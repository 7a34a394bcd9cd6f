// dpctl's verbs for people against the real daemon and real child processes: status (TSV and
// JSON), start (waits for up; a failing start is exit 1), stop (waits for down, turns automatic
// starts off, escalates to SIGKILL with --kill), restart, signal.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { fixture, processGone } from './helpers/daemon.js';
import { dpctlFor, startSocketDaemon, timeoutBeyond } from './dpctl-helpers.js';

async function withServices(t: Parameters<typeof startSocketDaemon>[0], mode = 'auto') {
	const { socket, daemon } = await startSocketDaemon(t);
	const run = Object.assign(dpctlFor(socket, mode), { daemon, socket });
	for (const args of [
		['service.args', 'web', fixture('sleep-forever.sh')],
		['service.args', 'stubborn', fixture('ignore-sigterm.sh')],
		['service.fds', 'stubborn', 'null', 'null', 'stderr'],
		['service.tags', 'web', 'demo', 'x y'],
	]) {
		const result = await run(args);
		t.is(result.exitCode, 0, `${args.join(' ')}: ${result.stderr}`);
	}
	return run;
}

const tsv = (line: string | undefined): string[] => (line ?? '').split('\t');

for (const mode of ['auto', 'echo'] as const) {
	test(`${mode}: start waits for up; status as TSV and JSON; stop waits for down`, async t => {
		const run = await withServices(t, mode);
		const start = await run(['start', 'web']);
		t.is(start.exitCode, 0, start.stderr);
		t.is(start.stdout, '');
		const status = await run(['status']);
		t.is(status.exitCode, 0);
		t.deepEqual(
			status.lines.map(l => tsv(l).slice(0, 2)),
			[
				['stubborn', 'down'],
				['web', 'up'],
			],
		);
		const web = tsv(status.lines[1]);
		const pid = Number(web[2]);
		t.true(pid > 1);
		t.false(processGone(pid));
		t.deepEqual(web.slice(4), ['-', '-', '-', '0', '-', '-', '0', 'no', '-']);
		const json = await run(['--json', 'status', 'web']);
		const [entry] = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
		t.like(entry, {
			name: 'web',
			state: 'up',
			pid,
			exit: null,
			tags: ['demo', 'x y'],
			args: [fixture('sleep-forever.sh')],
			fds: ['null', 'null', 'null'],
		});

		t.is((await run(['start', 'web'])).exitCode, 0, 'already running counts as started');
		const stop = await run(['stop', 'web']);
		t.is(stop.exitCode, 0, stop.stderr);
		t.true(processGone(pid));
		t.deepEqual(
			tsv((await run(['status', 'web'])).lines[0])
				.slice(0, 7)
				.filter((_, i) => i !== 4),
			['web', 'down', '-', '-', 'signal', 'SIGTERM'],
		);
		t.is((await run(['stop', 'web'])).exitCode, 0, 'already down counts as stopped');
	});
}

test('status of an unknown name: the others are shown, exit 1', async t => {
	const run = await withServices(t);
	const result = await run(['status', 'web', 'ghost']);
	t.is(result.exitCode, 1);
	t.is(tsv(result.lines[0])[0], 'web');
	t.is(result.stderr, 'dpctl: error: no such service: ghost');
});

test('start of a program that cannot run is exit 1, saying why', async t => {
	const { socket, dir } = await startSocketDaemon(t);
	const run = dpctlFor(socket);
	// The daemon refuses a missing program itself; a script whose interpreter is missing gets as far
	// as the exec, and goes down before it is ever up.
	await run(['service.args', 'missing', '/nonexistent/program']);
	const refused = await run(['start', 'missing']);
	t.is(refused.exitCode, 1);
	t.regex(refused.stderr, /^dpctl: error: .*\/nonexistent\/program.* \(service\.start missing\)$/);
	const script = join(dir, 'bad-interpreter');
	await writeFile(script, '#!/nonexistent/interpreter\n', { mode: 0o755 });
	await run(['service.args', 'broken', script]);
	const failed = await run(['start', 'broken']);
	t.is(failed.exitCode, 1);
	t.regex(failed.stderr, /^dpctl: error: failed to start: broken \(exit \d+(: .*could not be executed.*)?\)$/);
	t.is((await run(['start', 'ghost'])).exitCode, 1);
});

test('stop holds down with auto_up kept, and escalates with --kill, saying so', async t => {
	const run = await withServices(t);
	t.is((await run(['service.auto_up', 'web', '1', 'always'])).exitCode, 0);
	await run(['wait', 'service.state:web', 'up']);
	t.is((await run(['stop', 'web'])).exitCode, 0);
	// Held down: not rescheduled (state down, not start), its configuration kept, shown as stopped.
	const fields = tsv((await run(['status', 'web'])).lines[0]);
	t.deepEqual(fields.slice(1, 2), ['down']);
	t.deepEqual(fields.slice(7, 9), ['1', 'always']);
	t.is(fields.at(-1), 'stopped');

	t.is((await run(['start', 'stubborn'])).exitCode, 0);
	// Its trap is set once it says so (on the daemon's stderr); until then TERM would kill it.
	await run.daemon.stderr.waitFor(/^ignore-sigterm: ready /);
	// The wait gets 0.5 s beyond connecting and reading the state (a `dpctl status` does both).
	const timeout = await timeoutBeyond(run.socket, 0.5, ['status', 'stubborn']);
	const timedOut = await run(['--timeout', timeout, 'stop', 'stubborn']);
	t.is(timedOut.exitCode, 99);
	t.regex(timedOut.stderr, /timed out waiting for stubborn to stop \(try --kill\)/);
	await run.daemon.stderr.waitFor('ignore-sigterm: got SIGTERM');
	const killed = await run(['--timeout', timeout, 'stop', '--kill', 'stubborn']);
	t.is(killed.exitCode, 0, killed.stderr);
	t.regex(killed.stderr, /^dpctl: stubborn did not stop within \d+ s: sent SIGKILL \(pid \d+\)$/);
	t.deepEqual(tsv((await run(['status', 'stubborn'])).lines[0]).slice(5, 7), ['signal', 'SIGKILL']);
});

test('restart: a new process, up; signal: delivered, or exit 1 when not running', async t => {
	const run = await withServices(t);
	await run(['start', 'web']);
	const before = Number(tsv((await run(['status', 'web'])).lines[0])[2]);
	const restart = await run(['restart', 'web']);
	t.is(restart.exitCode, 0, restart.stderr);
	const after = tsv((await run(['status', 'web'])).lines[0]);
	t.is(after[1], 'up');
	t.not(Number(after[2]), before);
	t.true(processGone(before));

	t.is((await run(['signal', 'KILL', 'web'])).exitCode, 0);
	const down = await run(['--timeout', '10', 'wait', 'service.state:web', 'down']);
	t.is(down.exitCode, 0);
	t.deepEqual(tsv(down.lines[0]).slice(5, 7), ['signal', 'SIGKILL']);
	const notRunning = await run(['signal', 'TERM', 'web']);
	t.is(notRunning.exitCode, 1);
	t.is(notRunning.stderr, 'dpctl: error: service is not running: web');
});
