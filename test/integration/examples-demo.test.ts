// The README's first command runs the daemon on examples/demo.conf: this is that run, checked.
// The clock writes into a pipe handle, the logger reads it, flaky restarts, and Ctrl-C (SIGINT)
// is turned by --shutdown-on into a clean exit with nothing left running; as process 1 of a PID
// namespace (a container), SIGTERM does the same.

import { join } from 'node:path';
import test from 'ava';
import {
	descendants,
	pollUntil,
	processGone,
	repoRoot,
	SocketClient,
	startDaemon,
	tempDir,
	waitForPath,
} from './helpers/daemon.js';
import { canUnshare, startAsPid1 } from './init-support.js';

const needsRoot = canUnshare() ? test : test.skip;

/** What `npm start` runs (package.json), less the socket. */
const DEMO_ARGS = ['-c', join(repoRoot, 'examples', 'demo.conf'), '--shutdown-on', 'INT,TERM'];

test('examples/demo.conf: services run, a restart follows a failure, SIGINT ends everything cleanly', async t => {
	const socket = join(await tempDir(t), 'demo.sock');
	const d = await startDaemon(t, [...DEMO_ARGS, '-S', socket], { interactive: false });
	await waitForPath(socket);
	const client = await SocketClient.connect(socket);
	t.teardown(() => client.close());
	// The clock's date lines cross the pipe to the logger, which writes them to the daemon's stderr.
	await d.stderr.waitFor(/^\[logger\] \S/);
	const up = await client.lines.waitFor(/^service\.state\tflaky\tup\t/);
	await client.lines.waitFor(/^service\.state\tflaky\tdown\t\d+\t\d+\texit\t1\t/);
	const again = await client.lines.waitFor(/^service\.state\tflaky\tup\t/);
	t.not(again.split('\t')[4], up.split('\t')[4], 'a new flaky process');
	const dump = await client.command('statedump');
	for (const name of ['clock', 'logger'])
		t.true(
			dump.some(line => line.startsWith(`service.state\t${name}\tup\t`)),
			name,
		);

	const children = descendants(d.pid);
	t.true(children.length >= 3);
	// Ctrl-C while flaky is down: stopping a service that is not running is no error.
	await client.lines.waitFor(/^service\.state\tflaky\tdown\t\d+\t\d+\texit\t1\t/);
	process.kill(d.pid, 'SIGINT');
	const result = await d.proc;
	t.is(result.exitCode, 0);
	// Every service stopped before the exit: nothing to warn of, nothing failed.
	const complaints = d.stderr.seen.filter(line => /^(warning|error|fatal):/.test(line));
	t.deepEqual(complaints, []);
	await pollUntil(() => children.every(pid => processGone(pid)) || undefined, 'the services to be gone');
});

needsRoot('the demo as process 1 of a PID namespace (a container) stops on SIGTERM with status 0', async t => {
	const { d, hostPid } = await startAsPid1(t, DEMO_ARGS);
	await d.stdout.waitFor(/^service\.state\tflaky\tup\t/);
	process.kill(hostPid, 'SIGTERM');
	const result = await d.proc;
	t.is(result.exitCode, 0, d.stderr.seen.slice(-5).join('\n'));
	t.true(d.stderr.seen.includes('info: shutdown complete: exit status 0'));
});
