// Integration tests of the control server's door and roles (design §2): peer credentials read at
// accept on path and abstract sockets, refusal of unknown peers (also root of another user
// namespace), observer and operator grants from the command line and from conn.allow,
// conn.whoami, audit events, and an unknown name in --allow. Clients that must not be us run as
// uid 65534 through setpriv(1) and socat(1); we run as root here and in CI.

import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import {
	daemonBin,
	fixture,
	LineReader,
	listFds,
	pollUntil,
	SocketClient,
	startDaemon,
	tempDir,
	type Daemon,
} from './helpers/daemon.js';

const NOBODY = 65534;
const AS_NOBODY = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];

function socatTarget(address: string): string {
	return address.startsWith('@') ? `ABSTRACT-CONNECT:${address.slice(1)}` : `UNIX-CONNECT:${address}`;
}

/** Runs `prefix… socat - ADDRESS` with `lines` on its stdin; resolves with what it printed. */
async function runClient(prefix: string[], address: string, lines: string[]): Promise<string[]> {
	const [file = '', ...args] = [...prefix, 'socat', '-', socatTarget(address)];
	const result = await execa(file, args, {
		input: Buffer.from(lines.map(line => `${line}\n`).join(''), 'latin1'),
		encoding: 'latin1',
		reject: false,
		timeout: 5000,
	});
	return result.stdout === '' ? [] : result.stdout.split('\n');
}

/** A long-running socat client as uid 65534, reading lines as they come. */
function nobodyClient(t: ExecutionContext, address: string) {
	const [file = '', ...args] = [...AS_NOBODY, 'socat', '-', socatTarget(address)];
	const proc = execa(file, args, { buffer: false, reject: false, encoding: 'buffer', stdin: 'pipe' });
	t.teardown(() => {
		proc.kill('SIGKILL');
	});
	proc.stdin?.on('error', () => {});
	const lines = new LineReader(proc.stdout, 'nobody client');
	return {
		lines,
		send(line: string): void {
			proc.stdin?.write(Buffer.from(`${line}\n`, 'latin1'));
		},
	};
}

async function socketDir(t: ExecutionContext): Promise<string> {
	const dir = await tempDir(t);
	await chmod(dir, 0o755); // uid 65534 must reach the socket; the socket mode is what we test
	return dir;
}

function abstractName(): string {
	return `@dpt-auth-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

const REFUSED = `error\tpermission denied for uid ${NOBODY}`;

async function defineSleeper(daemon: Daemon): Promise<void> {
	await daemon.command(`service.args\tsleeper\t${fixture('sleep-forever.sh')}`);
}

test('path socket: uid 65534 is refused with one error line, and nothing leaks', async t => {
	const dir = await socketDir(t);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-S', path, '--socket-mode', '0666']);
	const fdsBefore = listFds(daemon.pid);
	t.deepEqual(await runClient(AS_NOBODY, path, ['conn.whoami', 'service.args\tx\t/bin/true']), [REFUSED]);
	await daemon.stderr.waitFor(
		new RegExp(`^warning: refused control connection from pid \\d+ uid ${NOBODY} gid ${NOBODY}: no role granted$`),
	);
	t.false((await daemon.command('statedump')).some(line => line.includes('\tx\t')));
	// A descriptor closed is announced nowhere: /proc shows it.
	await pollUntil(
		() => (listFds(daemon.pid).length === fdsBefore.length ? true : undefined),
		'fd count back to baseline',
	);
	// Root is admin by default.
	const root = await SocketClient.connect(path);
	t.teardown(() => root.close());
	t.deepEqual(await root.command('conn.whoami'), [`conn.whoami\t1\t${process.pid}\t0\t0\tadmin`]);
});

test('path socket: observer may read and subscribe, not start; operator may start, not fd.open', async t => {
	const dir = await socketDir(t);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-S', path, '--socket-mode', '0666']);
	await defineSleeper(daemon);
	await daemon.command(`conn.allow\tobserver\tuid=${NOBODY}`);

	const observer = nobodyClient(t, path);
	observer.send('conn.whoami');
	t.regex(await observer.lines.next(), new RegExp(`^conn\\.whoami\\t\\d+\\t\\d+\\t${NOBODY}\\t${NOBODY}\\tobserver$`));
	observer.send('events.unsubscribe\t*');
	observer.send('events.subscribe\tservice.state:sleeper');
	observer.send('statedump');
	observer.send('echo\tdump-done');
	const dump = await observer.lines.collectUntil('dump-done');
	t.true(dump.includes('service.state\tsleeper\tdown\t-\t-\t-\t-\t-\t-'));
	t.true(dump.includes(`service.args\tsleeper\t${fixture('sleep-forever.sh')}`));
	observer.send('service.start\tsleeper');
	observer.send(':t1\tservice.start\tsleeper');
	observer.send('events.subscribe\taudit');
	observer.send('echo\tafter');
	t.deepEqual(await observer.lines.collectUntil('after'), [
		'error\tpermission denied (role observer), for command "service.start\tsleeper"',
		':t1\terror\tpermission denied (role observer)',
		'error\tpermission denied (role observer), for command "events.subscribe\taudit"',
		'after',
	]);
	const state = await daemon.command('statedump');
	t.true(state.includes('service.state\tsleeper\tdown\t-\t-\t-\t-\t-\t-'), 'the refused start changed nothing');
	t.false(daemon.stdout.seen.some(line => line.startsWith('service.state\tsleeper\tstart')));

	// The grant applies at once, to the connection already open too.
	await daemon.command(`conn.allow\toperator\tuid=${NOBODY}`);
	observer.send(':go\tservice.start\tsleeper');
	t.regex(await observer.lines.next(), /^service\.state\tsleeper\tstart\t/);
	t.is(await observer.lines.next(), ':go\tok');
	t.regex(await observer.lines.next(), /^service\.state\tsleeper\tup\t/);
	observer.send(`fd.open\tstolen\tread\t/etc/hostname`);
	observer.send('service.signal\tsleeper\tKILL');
	t.is(
		await observer.lines.next(),
		'error\tpermission denied (role operator), for command "fd.open\tstolen\tread\t/etc/hostn..."',
	);
	t.regex(await observer.lines.next(), /^service\.state\tsleeper\tdown\t\d+\t\d+\tsignal\tSIGKILL\t/);
	t.false((await daemon.command('statedump')).some(line => line.startsWith('fd.state\tstolen')));
});

test('abstract socket: refused by default, also as root of its own user namespace; granted by --allow', async t => {
	const name = abstractName();
	const daemon = await startDaemon(t, ['-S', name]);
	t.deepEqual(await runClient(AS_NOBODY, name, ['statedump']), [REFUSED]);
	// Root inside a user namespace that maps it to 65534 outside is 65534 to the daemon.
	const userns = [...AS_NOBODY, 'unshare', '-U', '--map-root-user'];
	const inside = await execa(userns[0] ?? '', [...userns.slice(1), 'id', '-u'], { reject: false });
	t.is(inside.stdout, '0', 'the client is root in its namespace');
	t.deepEqual(await runClient(userns, name, ['statedump']), [REFUSED]);
	await daemon.stderr.waitFor(new RegExp(`refused control connection from pid \\d+ uid ${NOBODY} `));

	const granted = await startDaemon(t, ['-S', `${name}-2`, '--allow', 'observer:user=nobody']);
	await defineSleeper(granted);
	const lines = await runClient(AS_NOBODY, `${name}-2`, [
		'conn.whoami',
		'statedump',
		'service.start\tsleeper',
		'echo\tend',
	]);
	t.regex(lines[0] ?? '', new RegExp(`^conn\\.whoami\\t\\d+\\t\\d+\\t${NOBODY}\\t${NOBODY}\\tobserver$`));
	t.true(lines.includes('service.state\tsleeper\tdown\t-\t-\t-\t-\t-\t-'));
	t.true(lines.includes('error\tpermission denied (role observer), for command "service.start\tsleeper"'));
	t.is(lines.at(-1), 'end');
});

test('audit: admins that subscribe see who ran what; 1.1 clients never do', async t => {
	const dir = await socketDir(t);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-S', path, '--socket-mode', '0666', '--allow', `observer:uid=${NOBODY}`]);
	const auditor = await SocketClient.connect(path);
	const plain = await SocketClient.connect(path);
	t.teardown(() => {
		auditor.close();
		plain.close();
	});
	t.deepEqual(await auditor.command('events.subscribe\taudit:service.*\taudit:fd.*'), []);
	await daemon.command('service.args\tweb\t/bin/true');
	await daemon.command('service.start\tnope');
	await daemon.command('fd.pipe\ta.r\ta.w');
	await daemon.command('log.filter\tdebug');
	await runClient(AS_NOBODY, path, ['service.signal\tweb\tHUP']);
	const me = process.pid;
	const dp = daemon.pid;
	t.is(await auditor.lines.waitFor(/^audit\t/), `audit\t0\t${dp}\t0\t0\tadmin\tok\tservice.args\tweb\t/bin/true`);
	t.is(await auditor.lines.waitFor(/^audit\t/), `audit\t0\t${dp}\t0\t0\tadmin\terror\tservice.start\tnope`);
	t.is(await auditor.lines.waitFor(/^audit\t/), `audit\t0\t${dp}\t0\t0\tadmin\tok\tfd.pipe\ta.r\ta.w`);
	t.regex(
		await auditor.lines.waitFor(/^audit\t/),
		new RegExp(`^audit\\t3\\t\\d+\\t${NOBODY}\\t${NOBODY}\\tobserver\\tdenied\\tservice\\.signal\\tweb\\tHUP$`),
	);
	t.true((await plain.command('conn.whoami')).includes(`conn.whoami\t2\t${me}\t0\t0\tadmin`));
	t.false(
		plain.lines.seen.some(line => line.startsWith('audit')),
		'a 1.1 connection gets no audit line',
	);
	t.false(daemon.stdout.seen.some(line => line.startsWith('audit')));
	t.true(plain.lines.seen.includes('service.args\tweb\t/bin/true'));
	t.false(
		auditor.lines.seen.some(line => line.includes('log.filter')),
		'the subscription names service.* and fd.* only',
	);

	// The log keeps a copy for people: every refusal, and every change made over the socket.
	await auditor.command('service.args\tdb\t/bin/true');
	t.is(
		await daemon.stderr.waitFor(/^info: audit: /),
		`info: audit: conn 1 (pid ${me}, uid 0, gid 0, role admin) ok: service.args db /bin/true`,
	);
	t.regex(
		daemon.stderr.seen.find(line => line.includes('audit: ')) ?? '',
		new RegExp(
			`^warning: audit: conn 3 \\(pid \\d+, uid ${NOBODY}, gid ${NOBODY}, role observer\\) denied: service\\.signal web HUP$`,
		),
	);
	t.is(
		daemon.stderr.seen.filter(line => line.includes('audit: ')).length,
		2,
		"the interactive controller's commands are not logged",
	);
});

test('rules from the config file; an unknown name in --allow is a startup error', async t => {
	const dir = await socketDir(t);
	const config = join(dir, 'conf');
	await writeFile(
		config,
		`conn.allow\toperator\tgid=${NOBODY}\nconn.allow\tboss\tuid=1\nconn.allow\tobserver\tuser=no-such-user-dpt\n`,
	);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-c', config, '-S', path, '--socket-mode', '0666']);
	await daemon.stderr.waitFor(/with error: 'unknown user "no-such-user-dpt"'/);
	t.true(
		daemon.stderr.seen.some(line =>
			line.includes('with error: \'invalid role "boss" (expected admin, operator or observer)\''),
		),
	);
	const lines = await runClient(AS_NOBODY, path, ['conn.whoami']);
	t.regex(lines[0] ?? '', /\toperator$/);

	const bad = await execa(daemonBin, ['-S', join(dir, 'other'), '--allow', 'observer:user=no-such-user-dpt'], {
		reject: false,
		timeout: 5000,
	});
	t.is(bad.exitCode, 2);
	t.regex(bad.stderr, /fatal: --allow observer:user=no-such-user-dpt: unknown user "no-such-user-dpt"/);
	const syntax = await execa(daemonBin, ['-S', join(dir, 'other'), '--allow', 'root:uid=0'], {
		reject: false,
		timeout: 5000,
	});
	t.is(syntax.exitCode, 2);
	t.regex(syntax.stderr, /invalid role "root"/);
});
