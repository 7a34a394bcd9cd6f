// Controllers as services (spec §4.1, §4.6, §9.4): a restarter script on control.socket that
// survives being killed and re-syncs with statedump, an event-only controller (control.event) that
// keeps receiving events until it exits, a command-only one (control.cmd), controllers and socket
// peers that stop in the middle of a line, and fd accounting over 1,000 controller restarts.

import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import * as sys from '../../src/os/sys.js';
import {
	descendants,
	EventScan,
	fixture,
	listFds,
	pidOf,
	pollUntil,
	processState,
	readText,
	SocketClient,
	startDaemon,
	tempDir,
	watchPath,
	type Daemon,
} from './helpers/daemon.js';

/** Waits until the file at `path` has a line matching `pattern`; returns all its lines. */
function fileHasLine(path: string, pattern: RegExp, what: string): Promise<string[]> {
	return watchPath(
		path,
		() => {
			const lines = readText(path).split('\n');
			return lines.some(line => pattern.test(line)) ? lines : undefined;
		},
		() => `${what}: ${JSON.stringify(readText(path).slice(-300))}`,
	);
}

async function configure(t: ExecutionContext, d: Daemon, lines: readonly string[]): Promise<void> {
	for (const line of lines) {
		const reply = await d.command(line);
		t.false(
			reply.some(r => r.startsWith('error')),
			`${line}: ${reply.join(' | ')}`,
		);
	}
}

test('a restarter controller service restarts services on down, survives being killed, and re-syncs with statedump', async t => {
	const d = await startDaemon(t, []);
	const a = new EventScan(d.stdout);
	const b = new EventScan(d.stdout);
	const ctl = new EventScan(d.stdout);
	await configure(t, d, [
		`service.args\ta\t${fixture('sleep-forever.sh')}`,
		`service.args\tb\t${fixture('sleep-forever.sh')}`,
		`service.args\tctl\t${fixture('restarter.sh')}\ta\tb`,
		'service.fds\tctl\tcontrol.socket\tcontrol.socket\tstderr',
		'service.auto_up\tctl\t1\talways',
	]);
	let ctlPid = pidOf(await ctl.next(/^service\.state\tctl\tup\t/));
	// On start it re-syncs: a and b were never started, so it starts both.
	await d.stderr.waitFor('restarter: synced');
	const aPid = pidOf(await a.next(/^service\.state\ta\tup\t/));
	let bPid = pidOf(await b.next(/^service\.state\tb\tup\t/));
	// A service going down is restarted by the controller (no auto_up of its own).
	await d.command('service.signal\ta\tKILL');
	await a.next(/^service\.state\ta\tdown\t\d+\t\d+\tsignal\tSIGKILL\t/);
	t.not(pidOf(await a.next(/^service\.state\ta\tup\t/)), aPid);
	// Freeze the controller, kill b (the controller cannot react), then kill the controller: the
	// event about b dies with it. Its successor (auto_up) must find b down through statedump.
	await d.command('service.signal\tctl\tSTOP');
	// Nothing announces a stop (the daemon reports deaths only): /proc shows it.
	await pollUntil(() => (processState(ctlPid) === 'T' ? true : undefined), 'the controller stopped');
	await d.command('service.signal\tb\tKILL');
	await b.next(/^service\.state\tb\tdown\t\d+\t\d+\tsignal\tSIGKILL\t/);
	await d.command('service.signal\tctl\tKILL');
	await ctl.next(/^service\.state\tctl\tdown\t\d+\t\d+\tsignal\tSIGKILL\t/);
	const newCtlPid = pidOf(await ctl.next(/^service\.state\tctl\tup\t/));
	t.not(newCtlPid, ctlPid);
	ctlPid = newCtlPid;
	await d.stderr.waitFor('restarter: synced');
	const newBPid = pidOf(await b.next(/^service\.state\tb\tup\t/));
	t.not(newBPid, bPid);
	bPid = newBPid;
	// The new controller reacts to events as well.
	await d.command('service.signal\tb\tTERM');
	t.not(pidOf(await b.next(/^service\.state\tb\tup\t/)), bPid);
	t.true(['S', 'R'].includes(processState(ctlPid)), 'the controller is alive');
});

test('an event-only controller (control.event) keeps receiving events until it exits; what it writes is ignored', async t => {
	const dir = await tempDir(t);
	const out = join(dir, 'events.txt');
	const d = await startDaemon(t, []);
	const ev = new EventScan(d.stdout);
	await configure(t, d, [
		`fd.open\tout\twrite,create\t${out}`,
		'service.args\tev\t/bin/sh\t-c\tprintf "fd.pipe\\tevil.r\\tevil.w\\n" >&0; exec cat',
		'service.fds\tev\tcontrol.event\tout\tstderr',
		'service.start\tev',
	]);
	const up = await ev.next(/^service\.state\tev\tup\t/);
	const first = await fileHasLine(out, /./, 'the first event');
	t.is(first[0], up, 'its first line is its own `up` event');
	// Events keep coming, one after another (1.1 closed such a controller after its first flush).
	for (let i = 0; i < 5; i++) {
		await d.command(`fd.pipe\te${i}.r\te${i}.w`);
		await fileHasLine(out, new RegExp(`^fd\\.state\\te${i}\\.w\\tpipe\\tto\\te${i}\\.r$`), `event ${i}`);
	}
	await d.command('service.signal\tev\tTERM');
	await ev.next(/^service\.state\tev\tdown\t\d+\t\d+\tsignal\tSIGTERM\t/);
	const dump = await d.command('statedump');
	t.false(
		dump.some(line => line.startsWith('fd.state\tevil.')),
		'the command it wrote was not executed',
	);
	t.is(
		readText(out)
			.split('\n')
			.filter(line => line.startsWith('fd.state\te')).length,
		10,
	);
});

test('a command-only controller (control.cmd): its commands run, it gets no events, errors go to the log', async t => {
	const dir = await tempDir(t);
	const out = join(dir, 'cmd.txt');
	const d = await startDaemon(t, []);
	const cmd = new EventScan(d.stdout);
	await configure(t, d, [
		`fd.open\tout\twrite,create\t${out}`,
		'service.args\tcmd\t/bin/sh\t-c\tprintf "fd.pipe\\tcmd.r\\tcmd.w\\nfd.delete\\tnosuch\\n"; if read -r line; then echo "event: $line" >&2; else echo eof >&2; fi',
		'service.fds\tcmd\tcontrol.cmd\tcontrol.cmd\tout',
		'service.start\tcmd',
	]);
	await cmd.next(/^fd\.state\tcmd\.r\tpipe\tfrom\tcmd\.w$/);
	await d.stderr.waitFor("error:   with error: 'No such file descriptor'");
	await cmd.next(/^service\.state\tcmd\tdown\t\d+\t\d+\texit\t0\t/);
	t.is(readText(out), 'eof\n', 'its input is shut: no events, not even its own');
});

test('a controller service that dies in the middle of a command: complete lines run, the partial one is discarded', async t => {
	const d = await startDaemon(t, []);
	const half = new EventScan(d.stdout);
	await configure(t, d, [
		'service.args\thalf\t/bin/sh\t-c\tprintf "fd.pipe\\tfull.r\\tfull.w\\nfd.pipe\\thalf.r\\th"; kill -9 $$',
		'service.fds\thalf\tcontrol.cmd\tcontrol.cmd\tstderr',
		'service.start\thalf',
	]);
	await half.next(/^fd\.state\tfull\.r\tpipe\tfrom\tfull\.w$/);
	await half.next(/^service\.state\thalf\tdown\t\d+\t\d+\tsignal\tSIGKILL\t/);
	await d.stderr.waitFor('warning: Command ends with EOF... ignored');
	const dump = await d.command('statedump');
	t.false(dump.some(line => line.startsWith('fd.state\thalf.')));
	t.deepEqual(await d.command('echo\tstill serving'), ['still serving']);
});

// Regression (commands lost after a failed reply, fixed): when a controller's peer has already gone, the first
// reply or event written to it fails (EPIPE), Controller.onError destroys the controller, and the
// complete lines it had already received but not yet executed are dropped. daemonproxy(8) says
// "the complete lines received before end of input are all executed". Input: a socket client that
// sends `echo\tx\nfd.pipe\tgone.r\tgone.w\n` and closes at once, or a control.socket service
// running `printf 'echo\tx\nfd.pipe\tsvc.r\tsvc.w\n'` (it exits at once). Expected: gone.r and
// svc.r exist. Actual: neither does; the log shows `error: read(client[N])): Broken pipe` (a write
// error reported as a read error).
test('complete commands from a peer that has already gone are all executed', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl.sock');
	const d = await startDaemon(t, ['-S', path]);
	// The peer writes and goes away while the daemon is stopped, so the daemon finds both the
	// commands and the peer's end together (otherwise it may answer before the peer has gone).
	// Nothing announces a stop: /proc shows it.
	const stopped = (): Promise<true> =>
		pollUntil(() => (processState(d.pid) === 'T' ? true : undefined), 'the daemon stopped');
	process.kill(d.pid, 'SIGSTOP');
	await stopped();
	const fd = sys.createSocket('unix', 'stream', false);
	try {
		sys.connectUnix(fd, path); // completes in the kernel's backlog
		sys.send(fd, Buffer.from('echo\tx\nfd.pipe\tgone.r\tgone.w\n', 'latin1'));
	} finally {
		sys.close(fd);
	}
	process.kill(d.pid, 'SIGCONT');
	// The service stops its parent (the daemon) itself, then writes its commands and exits.
	await configure(t, d, [
		'service.args\tq\t/bin/sh\t-c\tkill -STOP $PPID; printf "echo\\tx\\nfd.pipe\\tsvc.r\\tsvc.w\\n"',
		'service.fds\tq\tcontrol.socket\tcontrol.socket\tnull',
	]);
	const scan = new EventScan(d.stdout, true); // from here: the `up` may be read before we look for it
	d.send('service.start\tq');
	// The child may stop the daemon before the daemon has written its `up` line, so wait on
	// /proc, not on the event: the daemon stopped, then its one child (the service) a zombie.
	await stopped();
	await pollUntil(() => {
		// the daemon is stopped: only /proc can tell
		const children = descendants(d.pid);
		return children.length > 0 && children.every(child => processState(child) === 'Z') ? true : undefined;
	}, 'the service exited');
	process.kill(d.pid, 'SIGCONT');
	pidOf(await scan.next(/^service\.state\tq\tup\t/));
	// Each fd.pipe is broadcast to this session too, in whichever order the two peers are read.
	await d.stdout.find(/^fd\.state\tgone\.r\t/);
	await d.stdout.find(/^fd\.state\tsvc\.r\t/);
	await d.command('# drain the events: what follows is the dump alone');
	const dump = await d.command('statedump');
	t.true(
		dump.some(line => line.startsWith('fd.state\tgone.r\t')) && dump.some(line => line.startsWith('fd.state\tsvc.r\t')),
		`gone.r and svc.r created; log: ${JSON.stringify(d.stderr.seen.slice(-4))}`,
	);
});

test('a socket peer that closes in the middle of a line: earlier commands are answered, the partial one is discarded', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl.sock');
	const d = await startDaemon(t, ['-S', path]);
	// Half-close: the replies to complete lines are still delivered, then EOF.
	const halfClose = await SocketClient.connect(path);
	t.teardown(() => halfClose.close());
	halfClose.sendRaw('echo\tbefore\nfd.pipe\tmid.r\tmid.w');
	halfClose.end();
	t.is(await halfClose.lines.next(), 'before');
	await halfClose.lines.ended;
	t.deepEqual(halfClose.lines.seen, ['before']);
	await d.stderr.waitFor('warning: Command ends with EOF... ignored');
	// Abrupt close in the middle of a line.
	const abrupt = await SocketClient.connect(path);
	abrupt.sendRaw('fd.pipe\tcut.r\tcu');
	abrupt.close();
	await d.stderr.waitFor('warning: Command ends with EOF... ignored');
	const dump = await d.command('statedump');
	t.false(dump.some(line => /^fd\.state\t(mid|cut)\./.test(line)));
	const next = await SocketClient.connect(path);
	t.teardown(() => next.close());
	t.deepEqual(await next.command('echo\tnext client served'), ['next client served']);
});

test('fd accounting: 1,000 restarts of controller services return the daemon to its fd baseline', async t => {
	const d = await startDaemon(t, []);
	// Fast-exiting controllers of all three kinds: each reads its first event or writes one command.
	const kinds = [
		['control.socket\tcontrol.socket\tnull', 'read -r line'],
		['control.event\tnull\tnull', 'read -r line'],
		['control.cmd\tcontrol.cmd\tnull', 'printf "echo\\tx\\n"'],
	] as const;
	const SERVICES = 12;
	const RESTARTS = 1000;
	for (let i = 0; i < SERVICES; i++) {
		const [fds, script] = kinds[i % kinds.length] ?? kinds[0];
		await configure(t, d, [`service.args\tc${i}\t/bin/sh\t-c\t${script}`, `service.fds\tc${i}\t${fds}`]);
	}
	const baseline = listFds(d.pid).length;
	const scan = new EventScan(d.stdout, true);
	let started = 0;
	let finished = 0;
	// Each `down` is answered with an explicit start (auto_up would wait ≥ 1 s per restart).
	for (let i = 0; i < SERVICES; i++, started++) d.send(`service.start\tc${i}`);
	while (finished < RESTARTS) {
		const line = await scan.next(/^service\.state\tc\d+\tdown\t/, 20_000);
		finished++;
		t.regex(line, /\texit\t0\t/);
		if (started < RESTARTS) {
			d.send(`service.start\t${line.split('\t')[1] ?? ''}`);
			started++;
		}
	}
	// A descriptor closed is announced nowhere: /proc shows it.
	await pollUntil(
		() => (listFds(d.pid).length === baseline ? true : undefined),
		() => `daemon fds back to ${baseline} (now ${listFds(d.pid).length})`,
	);
	t.is((await d.command('echo\talive')).filter(line => !line.startsWith('service.state\t')).join('|'), 'alive');
});
