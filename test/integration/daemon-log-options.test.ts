// The daemon's own log (issue 15; daemonproxy(8), LOGGING): --log-file and log.reopen for
// rotation, --log-timestamps, and 1.1's debug lines at -v (each command, each start, each signal).
// Waits poll the log file with a deadline; nothing sleeps.

import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { daemonBin, fixture, pollUntil, startDaemon, tempDir, waitForPath } from './helpers/daemon.js';
import { execa } from 'execa';
import { dpctl, startSocketDaemon } from './dpctl-helpers.js';
import type { ExecutionContext } from 'ava';

const STAMP = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ';

function text(path: string): string {
	try {
		return readFileSync(path, 'latin1');
	} catch {
		return '';
	}
}

/** Waits until the file has a line matching `re`; returns that line. */
function lineIn(path: string, re: RegExp): Promise<string> {
	return pollUntil(
		() =>
			text(path)
				.split('\n')
				.find(line => re.test(line)),
		() => `a line matching ${String(re)} in ${path}; it has:\n${text(path).slice(-2000)}`,
	);
}

/** A daemon on DIR/d.sock logging to DIR/d.log with `extra` options. */
async function loggingDaemon(t: ExecutionContext, extra: string[] = []) {
	const dir = await tempDir(t);
	const socket = join(dir, 'd.sock');
	const log = join(dir, 'd.log');
	await startDaemon(t, ['-S', socket, '--log-file', log, ...extra], { interactive: false });
	await waitForPath(socket);
	return { socket, log };
}

test('--log-file with --log-timestamps and -v: stamped lines, with the debug lines of 1.1', async t => {
	const { socket, log } = await loggingDaemon(t, ['-v', '--log-timestamps']);
	for (const args of [
		['service.args', 'web', fixture('sleep-forever.sh')],
		['start', 'web'],
		['signal', 'TERM', 'web'],
	])
		t.is((await dpctl(socket, args)).exitCode, 0, args.join(' '));
	await lineIn(log, new RegExp(`^${STAMP}debug: controller\\[\\d+\\] command: ".*service\\.args\\\\tweb\\\\t`));
	await lineIn(log, new RegExp(`^${STAMP}debug: start service "web" now$`));
	await lineIn(log, new RegExp(`^${STAMP}debug: Sending signal 15 to service "web" pid \\d+$`));
	t.false(/^(debug|info|warning|error): /m.test(text(log)), 'every line stamped');
});

test('log.reopen opens the --log-file again after a rotation; without one it says so', async t => {
	const plain = await startSocketDaemon(t);
	const refused = await dpctl(plain.socket, ['log.reopen']);
	t.is(refused.exitCode, 1);
	t.regex(refused.stderr, /no log file to reopen/);

	const { socket, log } = await loggingDaemon(t);
	// Each change over the socket is logged (audit): that is the line to look for.
	t.is((await dpctl(socket, ['service.tags', 'web', 'before-rotation'])).exitCode, 0);
	await lineIn(log, /ok: service\.tags web before-rotation$/);
	renameSync(log, `${log}.1`);
	t.is((await dpctl(socket, ['log.reopen'])).exitCode, 0);
	t.is((await dpctl(socket, ['service.tags', 'web', 'after-rotation'])).exitCode, 0);
	await lineIn(log, /ok: service\.tags web after-rotation$/);
	t.false(text(`${log}.1`).includes('after-rotation'), 'the rotated file gets nothing new');
	t.true(text(`${log}.1`).includes('before-rotation'));
	t.is((await dpctl(socket, ['log.reopen', 'extra'])).exitCode, 1);
});

test('--log-file that cannot be opened is fatal, exit 2', async t => {
	const result = await execa(daemonBin, ['-S', '@unused-log-test', '--log-file', '/nonexistent/dir/d.log'], {
		reject: false,
		timeout: 30_000,
	});
	t.is(result.exitCode, 2);
	t.regex(String(result.stderr), /--log-file \/nonexistent\/dir\/d\.log: No such file or directory/);
});
