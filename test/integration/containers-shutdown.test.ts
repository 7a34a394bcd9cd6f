// A container's process 1 (daemonproxy(8), SHUTDOWN; issue 17): run as process 1 of a new PID
// namespace, SIGTERM with --shutdown-on stops every service (one that ignores TERM is killed after
// --stop-timeout) and the daemon exits 0; an essential service's end is the daemon's exit status;
// a peer outside the namespace is refused unless allowed; the HTTP probes answer.

import test from 'ava';
import { fixture, SocketClient, startDaemon } from './helpers/daemon.js';
import { canUnshare, received, startAsPid1 } from './init-support.js';

const needsRoot = canUnshare() ? test : test.skip;
const uniqueName = (): string => `dp-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

needsRoot('process 1 with --shutdown-on TERM: SIGTERM stops every service, KILL after the timeout, exit 0', async t => {
	const STOP_TIMEOUT = 2;
	const { d, hostPid } = await startAsPid1(t, ['--shutdown-on', 'TERM', '--stop-timeout', String(STOP_TIMEOUT)]);
	d.send(`service.args\tpolite\t${fixture('sleep-forever.sh')}`);
	d.send('service.auto_up\tpolite\t1\talways');
	d.send(`service.args\tstubborn\t${fixture('ignore-sigterm.sh')}`);
	d.send('service.fds\tstubborn\tnull\tnull\tstderr');
	d.send('service.auto_up\tstubborn\t1\talways');
	await d.stdout.waitFor(/^service\.state\tpolite\tup\t/);
	await d.stderr.waitFor(/^ignore-sigterm: ready \d+$/);
	const sent = performance.now();
	process.kill(hostPid, 'SIGTERM');
	await d.stderr.waitFor(/^ignore-sigterm: got SIGTERM$/);
	const result = await d.proc;
	const seconds = (performance.now() - sent) / 1000;
	t.log(`exit ${seconds.toFixed(2)} s after SIGTERM (stop timeout ${STOP_TIMEOUT} s)`);
	t.is(result.exitCode, 0);
	t.true(seconds >= STOP_TIMEOUT * 0.9, 'the stubborn service had its grace period');
	t.true(seconds < STOP_TIMEOUT + 15, 'and no more than that, give or take a busy machine');
	const events = d.stdout.seen.join('\n');
	t.regex(events, /^service\.state\tpolite\tdown\t.*\tsignal\tSIGTERM\t/m);
	t.regex(events, /^service\.state\tstubborn\tdown\t.*\tsignal\tSIGKILL\t/m);
	t.false(/^service\.state\t\w+\tup\t/m.test(events.slice(events.indexOf('signal\tSIGTERM'))), 'no restart');
	t.true(
		d.stderr.seen.some(line => /^warning: shutdown: SIGKILL to 'stubborn' \(pid \d+\), still running$/.test(line)),
	);
});

needsRoot('process 1: an essential service that exits 7 ends the daemon with status 7', async t => {
	const { d } = await startAsPid1(t, ['--stop-timeout', '2']);
	d.send(`service.args\tother\t${fixture('sleep-forever.sh')}`);
	d.send('service.auto_up\tother\t1\talways');
	d.send('service.args\tmain\t/bin/sh\t-c\tread -r line; exit 7');
	d.send('fd.pipe\tgate.r\tgate.w');
	d.send('service.fds\tmain\tgate.r\tnull\tnull');
	d.send('service.essential\tmain\ton');
	d.send('service.start\tmain');
	await received(d.stdout, /^service\.state\tmain\tup\t/);
	await received(d.stdout, /^service\.state\tother\tup\t/);
	d.send('fd.delete\tgate.w'); // EOF for main's read: it exits 7
	const result = await d.proc;
	t.is(result.exitCode, 7);
	t.regex(d.stdout.seen.join('\n'), /^service\.state\tother\tdown\t.*\tsignal\tSIGTERM\t/m);
});

test('service.essential: validated, and a service restarted by auto_up is not an end', async t => {
	const d = await startDaemon(t, []);
	t.deepEqual(await d.command('service.essential\tnosuch\ton'), [
		'error\tNo such service, for command "service.essential\tnosuch\ton"',
	]);
	await d.command('service.args\tflap\t/bin/sh\t-c\texit 3');
	t.deepEqual(await d.command('service.essential\tflap\tmaybe'), [
		'error\texpected on or off, for command "service.essential\tflap\tmaybe"',
	]);
	d.send('service.essential\tflap\ton');
	d.send('service.auto_up\tflap\t1\talways');
	await d.stdout.waitFor(/^service\.state\tflap\tdown\t.*\texit\t3\t/);
	await d.stdout.waitFor(/^service\.state\tflap\tup\t/); // restarted: the daemon goes on
	await d.stdout.waitFor(/^service\.state\tflap\tdown\t.*\texit\t3\t/);
	t.is((await d.command('echo\tstill here')).at(-1), 'still here');
	t.is(d.proc.exitCode, null, 'the daemon runs');
});

needsRoot('a peer outside the PID namespace (SO_PEERCRED pid 0) is refused, even as root, unless allowed', async t => {
	const name = uniqueName();
	const { d } = await startAsPid1(t, ['-S', `@${name}`]);
	const refused = await SocketClient.connect(`@${name}`);
	t.teardown(() => refused.close());
	t.is(await refused.lines.next(), 'error\tpermission denied for uid 0');
	await d.stderr.waitFor(
		/^warning: refused control connection from pid 0 uid 0 gid 0: the peer is outside daemonproxy's PID namespace \(allow such peers with --allow-foreign-pidns\)$/,
	);

	const allowedName = uniqueName();
	await startAsPid1(t, ['-S', `@${allowedName}`, '--allow-foreign-pidns']);
	const allowed = await SocketClient.connect(`@${allowedName}`);
	t.teardown(() => allowed.close());
	t.deepEqual(await allowed.command('echo\tfrom the host'), ['from the host']);
});

test('--health-listen: /livez answers; /readyz is 503 naming an essential service until it is up', async t => {
	const d = await startDaemon(t, ['--health-listen', '0']); // port 0: a free one, which the log names
	const listening = await d.stderr.waitFor(/^info: health endpoint listening on http:\/\/127\.0\.0\.1:\d+\//);
	const port = Number(/:(\d+)\/ /.exec(listening)?.[1]);
	const get = async (path: string): Promise<[number, string]> => {
		const response = await fetch(`http://127.0.0.1:${port}${path}`);
		return [response.status, (await response.text()).trim()];
	};
	t.deepEqual(await get('/livez'), [200, 'ok']);
	t.deepEqual(await get('/readyz'), [200, 'ok'], 'nothing essential: ready');
	d.send(`service.args\tweb\t${fixture('sleep-forever.sh')}`);
	d.send('service.essential\tweb\ton');
	await d.command('echo\tsync');
	t.deepEqual(await get('/readyz'), [503, 'not ready: web']);
	d.send('service.start\tweb');
	await d.stdout.waitFor(/^service\.state\tweb\tup\t/);
	t.deepEqual(await get('/readyz'), [200, 'ok']);
	t.deepEqual(await get('/nope'), [404, 'not found: try /livez or /readyz']);
	const post = await fetch(`http://127.0.0.1:${port}/livez`, { method: 'POST' });
	t.is(post.status, 405);
	t.is(await d.command('echo\tstill here').then(lines => lines.join()), 'still here');
});

test('--shutdown-on and --health-listen refuse bad values (exit 2)', async t => {
	for (const [option, value, message] of [
		['--shutdown-on', 'KILL', /--shutdown-on expects signals from .*, not "KILL"/],
		['--stop-timeout', '-1', /--stop-timeout expects an integer from 0 to 86400, not "-1"/],
		['--health-listen', 'nope', /--health-listen expects PORT, ADDR:PORT or \[ADDR6\]:PORT/],
	] as const) {
		const d = await startDaemon(t, [option, value], { interactive: false });
		const result = await d.proc.catch((error: unknown) => error as { exitCode?: number });
		t.is(result.exitCode, 2, `${option} ${value}`);
		t.true(
			d.stderr.seen.some(line => message.test(line)),
			d.stderr.seen.join('\n'),
		);
	}
});
