// Readiness (issue 14): a `ready` fd, sd_notify over NOTIFY_SOCKET with the sender's credentials
// checked, the ready timeout, the watchdog, service.env, and the daemon's own READY=1 under a
// systemd-like listener. Real children; every wait is for a line, an exit or a file, with a deadline.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { dpctl } from './dpctl-helpers.js';
import { fixture, pollUntil, startDaemon, tempDir, waitForPath, type Daemon } from './helpers/daemon.js';

/** An interactive daemon with a control socket, subscribed to service.status on stdin/stdout. */
async function start(t: ExecutionContext, extra: string[] = []): Promise<{ d: Daemon; socket: string }> {
	const dir = await tempDir(t);
	const socket = join(dir, 'd.sock');
	const d = await startDaemon(t, ['-S', socket, ...extra]);
	await waitForPath(socket);
	await d.command('events.subscribe\tservice.status');
	return { d, socket };
}

const statusRe = (name: string, rest: string): RegExp => new RegExp(`^service\\.status\\t${name}\\t${rest}`);

async function statusJson(socket: string, name: string): Promise<Record<string, unknown>> {
	const result = await dpctl(socket, ['status', '--json', name]);
	const [service] = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
	return service ?? {};
}

test('a service that writes to its ready fd after 1 s: dpctl start returns after ≥ 1 s with ready true', async t => {
	const { d, socket } = await start(t);
	await d.command(`service.args\tw\t${fixture('ready-after.sh')}\t1\t3`);
	await d.command('service.fds\tw\tnull\tnull\tstderr\tready');
	const started = performance.now();
	const result = await dpctl(socket, ['start', 'w']);
	const seconds = (performance.now() - started) / 1000;
	t.is(result.exitCode, 0, result.stderr);
	t.true(seconds >= 1, `dpctl start returned after ${seconds} s`);
	t.like(await statusJson(socket, 'w'), { state: 'up', ready: true, restarts: 0, failed: false });
	// Without a readiness method, ready is null.
	await d.command('service.args\tplain\tsleep\t1000');
	t.is((await dpctl(socket, ['start', 'plain'])).exitCode, 0);
	t.like(await statusJson(socket, 'plain'), { state: 'up', ready: null });
});

test('an sd_notify service becomes ready and its STATUS shows; only its own processes may notify', async t => {
	const { d, socket } = await start(t);
	await d.command(`service.args\tn\tpython3\t${fixture('sd-notify.py')}\tready\twarming up`);
	await d.command('service.notify\tn\ton');
	t.is((await dpctl(socket, ['start', 'n'])).exitCode, 0);
	t.like(await statusJson(socket, 'n'), { ready: true, statusText: 'warming up' });

	// A service that waits: a stranger's READY=1 is refused, the service's own later STATUS is taken.
	await d.command(`service.args\tq\tpython3\t${fixture('sd-notify.py')}\twait`);
	await d.command('service.notify\tq\ton');
	d.send('service.start\tq'); // not command(): its barrier would consume the up line
	const up = await d.stdout.waitFor(/^service\.state\tq\tup\t/);
	const pid = Number(up.split('\t')[4]);
	const environ = await pollUntil(async () => {
		const text = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
		return text.includes('NOTIFY_SOCKET=') ? text : undefined;
	}, 'the service environment');
	const address = /NOTIFY_SOCKET=([^\0]*)/.exec(environ)?.[1] ?? '';
	t.regex(address, /^@daemonproxy\/notify\//);
	const stranger = await execa('python3', [
		'-c',
		'import socket,sys; a=sys.argv[1]; s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.sendto(b"READY=1\\nSTATUS=forged", "\\0"+a[1:])',
		address,
	]);
	t.is(stranger.exitCode, 0);
	process.kill(pid, 'SIGUSR1'); // the service's own STATUS=usr1, sent after the stranger's datagram
	const own = await d.stdout.waitFor(statusRe('q', '.*\\tstatus=usr1$'));
	t.regex(own, /\tready=no\t/);
	await d.stderr.waitFor(/sd_notify message from pid \d+ refused/);
	// A child of the service (its process tree) may notify.
	process.kill(pid, 'SIGUSR2');
	await d.stdout.waitFor(statusRe('q', 'ready=yes\\t.*\\tstatus=child$'));
});

test('a service that never becomes ready times out: dpctl start fails, status says why', async t => {
	const { d, socket } = await start(t);
	await d.command('service.args\tt\tsleep\t1000');
	await d.command('service.notify\tt\ton');
	await d.command('service.ready_timeout\tt\t1');
	const result = await dpctl(socket, ['start', 't']);
	t.is(result.exitCode, 1);
	t.regex(result.stderr, /failed to start: t \(not ready within its ready timeout\)/);
	await d.stdout.waitFor(/^service\.state\tt\tdown\t.*\tsignal\tSIGTERM\t/);
	t.like(await statusJson(socket, 't'), {
		state: 'down',
		ready: false,
		killed: 'ready_timeout',
		lastExit: { reason: 'signal', value: 'SIGTERM' },
	});
	await d.stderr.waitFor(/service 't' not ready within 1 s/);
});

test('a watchdog-silent service is stopped and restarted', async t => {
	const { d } = await start(t);
	await d.command(`service.args\tw\tpython3\t${fixture('sd-notify.py')}\twatchdog\t3`);
	await d.command('service.notify\tw\ton\t2');
	d.send('service.auto_up\tw\t1\talways'); // not command(): its barrier could consume the up line
	const first = await d.stdout.waitFor(/^service\.state\tw\tup\t/);
	await d.stdout.waitFor(statusRe('w', 'ready=yes\\t'));
	await d.stdout.waitFor(statusRe('w', 'ready=no\\t.*\\tkilled=watchdog\\t'));
	await d.stdout.waitFor(/^service\.state\tw\tdown\t.*\tsignal\tSIGTERM\t/);
	const second = await d.stdout.waitFor(/^service\.state\tw\tup\t/);
	t.not(second.split('\t')[4], first.split('\t')[4]);
	await d.stdout.waitFor(statusRe('w', 'ready=no\\trestarts=1\\t'));
	await d.stderr.waitFor(/service 'w' watchdog: no WATCHDOG=1 for 2 s/);
});

test('service.env reaches the child on top of the daemon environment; bad entries change nothing', async t => {
	const dir = await tempDir(t);
	const out = join(dir, 'env');
	const d = await startDaemon(t, [], { env: { FROM_DAEMON: 'kept', OVERRIDDEN: 'old' } });
	await d.command(`service.args\te\t/bin/sh\t-c\tenv > ${out}`);
	t.deepEqual(await d.command('service.env\te\tOVERRIDDEN=new\tGREETING=hello world\tEMPTY='), []);
	const bad = await d.command('service.env\te\tA=1\t=nokey');
	t.regex(bad.join('\n'), /^error\t.*invalid environment entry "=nokey"/);
	d.send('service.start\te');
	await d.stdout.waitFor(/^service\.state\te\tdown\t.*\texit\t0\t/);
	const env = (await readFile(out, 'latin1')).split('\n');
	for (const entry of ['FROM_DAEMON=kept', 'OVERRIDDEN=new', 'GREETING=hello world', 'EMPTY='])
		t.true(env.includes(entry), entry);
	t.false(env.includes('A=1'));
	t.false(env.some(line => line.startsWith('NOTIFY_SOCKET=')));
});

test('under a systemd-like NOTIFY_SOCKET the daemon sends READY=1 after its config, and no service inherits it', async t => {
	const dir = await tempDir(t);
	const address = join(dir, 'notify');
	const listener = execa(
		'python3',
		[
			'-c',
			'import socket,sys; s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.bind(sys.argv[1]); print("bound", flush=True); print(s.recv(4096).decode(), flush=True)',
			address,
		],
		{ reject: false, timeout: 30_000 },
	);
	t.teardown(() => listener.kill());
	await waitForPath(address);
	const out = join(dir, 'env');
	const config = join(dir, 'conf');
	await writeFile(config, `service.args\te\t/bin/sh\t-c\tenv > ${out}\nservice.start\te\n`);
	await startDaemon(t, ['-c', config], { interactive: false, env: { NOTIFY_SOCKET: address } });
	const result = await listener;
	t.is(String(result.stdout).split('\n')[1], 'READY=1');
	await waitForPath(out);
	const env = await pollUntil(async () => {
		const text = await readFile(out, 'latin1');
		return text.endsWith('\n') ? text : undefined;
	}, 'the service environment');
	t.false(env.split('\n').some(line => line.startsWith('NOTIFY_SOCKET=')));
});
