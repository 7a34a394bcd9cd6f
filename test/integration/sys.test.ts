// Integration tests of src/os/sys.ts and fd-stream.ts against the real kernel: fds,
// sockets, SCM_RIGHTS, spawn's exact fd map, SIGCHLD reaping, exec. Serial: fd counts are global.
// Never sleeps to synchronise: every wait is on an event, with a timeout.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { FdStream } from '../../src/os/fd-stream.js';
import * as sys from '../../src/os/sys.js';

const PRINT_FDS = fileURLToPath(new URL('../../../test/fixtures/print-fds.sh', import.meta.url));
const SYS_URL = new URL('../../src/os/sys.js', import.meta.url).href;
const WAIT_MS = 20_000;
const O_CLOEXEC = 0o2000000;

function withTimeout<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One turn of the event loop: lets a callback that must NOT come show itself (never a wait for one that must). */
function nextTurn(): Promise<void> {
	return new Promise(resolve => setImmediate(resolve));
}

// ---- child exits: one SIGCHLD handler for the whole file --------------------------------------

const exited = new Map<number, sys.Reaped>();
const exitWaiters = new Map<number, (r: sys.Reaped) => void>();
sys.onChildExit(reaped => {
	for (const r of reaped) {
		const waiter = exitWaiters.get(r.pid);
		if (waiter) {
			exitWaiters.delete(r.pid);
			waiter(r);
		} else {
			exited.set(r.pid, r);
		}
	}
});

function waitExit(pid: number): Promise<sys.Reaped> {
	const done = exited.get(pid);
	if (done) {
		exited.delete(pid);
		return Promise.resolve(done);
	}
	return withTimeout(new Promise(resolve => exitWaiters.set(pid, resolve)), `exit of ${pid}`);
}

/** Reads fd to EOF through an FdStream, then closes it. */
function readAll(fd: number): Promise<Buffer> {
	return withTimeout(
		new Promise<Buffer>((resolve, reject) => {
			const chunks: Buffer[] = [];
			const stream: FdStream = new FdStream(fd, {
				onData(data, fds) {
					chunks.push(data);
					for (const f of fds) sys.close(f);
				},
				onEnd() {
					stream.destroy();
					sys.close(fd);
					resolve(Buffer.concat(chunks));
				},
				onError(err) {
					stream.destroy();
					sys.close(fd);
					reject(err);
				},
			});
		}),
		`EOF on fd ${fd}`,
	);
}

/** Spawns with an output pipe: `fds(out)` builds the child's fd map around the pipe's write end. */
async function run(
	file: string,
	argv: string[],
	fds: (out: number) => number[],
	more: Partial<sys.SpawnRequest> = {},
): Promise<{ pid: number; output: string; exit: sys.Reaped }> {
	const [r, w] = sys.pipe();
	let pid: number;
	try {
		pid = sys.spawn({ file, argv, fds: fds(w), ...more });
	} finally {
		sys.close(w);
	}
	const [output, exit] = await Promise.all([readAll(r), waitExit(pid)]);
	return { pid, output: output.toString('latin1'), exit };
}

function parseFds(output: string): Map<number, string> {
	const fds = new Map<number, string>();
	for (const line of output.split('\n')) {
		if (line === '') continue;
		const space = line.indexOf(' ');
		fds.set(Number(line.slice(0, space)), line.slice(space + 1));
	}
	return fds;
}

function fdFlags(fd: number): number {
	const m = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
	return m?.[1] === undefined ? -1 : Number.parseInt(m[1], 8);
}

const devNull = (): number =>
	sys.openFile('/dev/null', { read: true, write: true, append: false, create: false, trunc: false, nonblock: false });

// ---- plain fds --------------------------------------------------------------------------------

test.serial('pipe: round trip, EAGAIN is null, EOF is empty, both ends close-on-exec', t => {
	const [r, w] = sys.pipe();
	t.true((fdFlags(r) & O_CLOEXEC) !== 0);
	t.true((fdFlags(w) & O_CLOEXEC) !== 0);
	t.true(sys.getCloexec(r));
	t.is(sys.send(w, Buffer.from('abc\xff', 'latin1')), 4);
	sys.setNonblock(r, true);
	const got = sys.recv(r, 100);
	t.is(got?.data.toString('latin1'), 'abc\xff');
	t.deepEqual(got?.fds, []);
	t.is(sys.recv(r, 100), null);
	sys.close(w);
	t.is(sys.recv(r, 100)?.data.length, 0);
	sys.close(r);
});

test.serial('errors: SysError carries code, errno, syscall and the strerror text', t => {
	const err = t.throws(
		() =>
			sys.openFile('/nonexistent/x', {
				read: true,
				write: false,
				append: false,
				create: false,
				trunc: false,
				nonblock: false,
			}),
		{ instanceOf: sys.SysError },
	);
	t.is(err.code, 'ENOENT');
	t.is(err.errno, 2);
	t.is(err.syscall, 'open');
	t.is(err.message, 'No such file or directory');
	t.is(sys.strerror(13), 'Permission denied');
	t.is(t.throws(() => sys.close(987_654), { instanceOf: sys.SysError }).code, 'EBADF');
	t.is(t.throws(() => sys.kill(2 ** 22 + 12_345, 0), { instanceOf: sys.SysError }).code, 'ESRCH');
	t.is(t.throws(() => sys.chdir('/nonexistent\0x'), { instanceOf: sys.SysError }).code, 'EINVAL');
	t.is(sys.SysError.fromErrno(32, 'write').message, 'Broken pipe');
	t.throws(() => sys.close(Number.NaN), { instanceOf: TypeError }); // never "fd 0"
	t.throws(() => sys.kill(1.5, 0), { instanceOf: TypeError });
});

test.serial('inetPton and randomBytes: the libc parser bind uses; getrandom bytes', t => {
	for (const text of ['127.0.0.1', '0.0.0.0', '255.255.255.255']) t.true(sys.isInetAddress('inet', text), text);
	for (const text of ['256.0.0.1', '1.2.3', '01.2.3.4', ' 1.2.3.4', '::1', ''])
		t.false(sys.isInetAddress('inet', text), text);
	for (const text of ['::1', '::', 'fe80::1', '::ffff:10.0.0.1']) t.true(sys.isInetAddress('inet6', text), text);
	for (const text of ['fe80::1%lo', '1:2:3:4:5:6:7:8:9', '127.0.0.1', ':::'])
		t.false(sys.isInetAddress('inet6', text), text);
	const a = sys.randomBytes(16);
	t.is(a.length, 16);
	t.notDeepEqual(a, sys.randomBytes(16));
	for (const n of [0, 257]) t.throws(() => sys.randomBytes(n), { code: 'EINVAL' });
});

test.serial('probe: access, kind, flags, socket details; null for a closed fd', t => {
	const [r, w] = sys.pipe();
	t.deepEqual(sys.probe(r), { access: 'read', append: false, nonblock: false, kind: 'fifo' });
	t.is(sys.probe(w)?.access, 'write');
	sys.close(r);
	sys.close(w);
	t.is(sys.probe(r), null);
	const [a, b] = sys.socketpair('seqpacket');
	t.deepEqual(sys.probe(a), {
		access: 'read,write',
		append: false,
		nonblock: false,
		kind: 'socket',
		socket: { domain: 'unix', type: 'seqpacket' },
	});
	sys.close(a);
	sys.close(b);
	const dir = sys.openFile('/', {
		read: true,
		write: false,
		append: false,
		create: false,
		trunc: false,
		nonblock: true,
	});
	t.like(sys.probe(dir), { kind: 'dir', nonblock: true });
	sys.close(dir);
	const n = devNull();
	t.like(sys.probe(n), { kind: 'chr', access: 'read,write' });
	const d = sys.dupCloexec(n, 100);
	t.true(d >= 100);
	sys.setCloexec(d, false);
	t.false(sys.getCloexec(d));
	sys.close(d);
	sys.close(n);
});

// ---- sockets ----------------------------------------------------------------------------------

test.serial('socketpair: SCM_RIGHTS carries a working, close-on-exec fd', t => {
	const [a, b] = sys.socketpair('stream');
	const [pr, pw] = sys.pipe();
	t.is(sys.send(a, Buffer.from('x'), [pw]), 1);
	sys.close(pw);
	const got = sys.recv(b, 100);
	t.is(got?.data.toString(), 'x');
	t.is(got?.fds.length, 1);
	const passed = got?.fds[0] ?? -1;
	t.true((fdFlags(passed) & O_CLOEXEC) !== 0);
	t.is(sys.send(passed, Buffer.from('hello')), 5);
	sys.close(passed);
	t.is(sys.recv(pr, 100)?.data.toString(), 'hello');
	t.is(sys.recv(pr, 100)?.data.length, 0); // the only writer was the passed fd
	t.is(sys.recv(b, 100), null); // sockets never block: MSG_DONTWAIT
	t.is(t.throws(() => sys.send(a, new Uint8Array(0), [pr]), { instanceOf: sys.SysError }).code, 'EINVAL');
	for (const fd of [a, b, pr]) sys.close(fd);
});

test.serial('peerCred on a socketpair is our own pid/uid/gid', t => {
	const [a, b] = sys.socketpair('stream');
	t.deepEqual(sys.peerCred(a), { pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
	sys.close(a);
	sys.close(b);
});

test.serial('unix sockets: path and abstract names, accept, ENAMETOOLONG', t => {
	const dir = mkdtempSync(join(tmpdir(), 'dp-sys-'));
	try {
		for (const address of [join(dir, 'ctl.sock'), `\0daemonproxy-test-${process.pid}-${Date.now()}`]) {
			const server = sys.createSocket('unix', 'stream', true);
			sys.bindUnix(server, address);
			sys.listen(server, 8);
			t.is(sys.accept(server), null);
			const client = sys.createSocket('unix', 'stream', false);
			sys.connectUnix(client, address);
			const conn = sys.accept(server);
			t.not(conn, null);
			const c = conn ?? -1;
			t.like(sys.probe(c), { nonblock: true, socket: { domain: 'unix', type: 'stream' } });
			t.true(sys.getCloexec(c));
			t.is(sys.peerCred(c).pid, process.pid);
			sys.send(client, Buffer.from('ping'));
			t.is(sys.recv(c, 10)?.data.toString(), 'ping');
			sys.shutdown(client, 'write');
			t.is(sys.recv(c, 10)?.data.length, 0);
			for (const fd of [c, client, server]) sys.close(fd);
		}
		const s = sys.createSocket('unix', 'stream', true);
		t.is(t.throws(() => sys.bindUnix(s, '/' + 'x'.repeat(107)), { instanceOf: sys.SysError }).code, 'ENAMETOOLONG');
		t.is(t.throws(() => sys.bindUnix(s, '\0' + 'x'.repeat(108)), { instanceOf: sys.SysError }).code, 'ENAMETOOLONG');
		sys.bindUnix(s, '\0' + 'y'.repeat(100) + String(process.pid).padStart(7, '0'));
		sys.close(s);
		const inet = sys.createSocket('inet', 'stream', true);
		sys.setReuseAddr(inet);
		t.like(
			t.throws(() => sys.bindInet(inet, 'localhost', 0), { instanceOf: sys.SysError }),
			{ code: 'EINVAL', syscall: 'inet_pton' },
		);
		sys.bindInet(inet, '127.0.0.1', 0);
		sys.listen(inet, 4);
		t.like(sys.probe(inet), { socket: { domain: 'inet', type: 'stream' } });
		sys.close(inet);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test.serial('connectAbstract: the exact-length name, non-blocking and close-on-exec; refusals leak no fd', t => {
	const name = `daemonproxy-test-abs-${process.pid}-${Date.now()}`;
	const before = sys.listOpenFds();
	const server = sys.createSocket('unix', 'stream', true);
	sys.bindUnix(server, `\0${name}`); // exact length, as the daemon binds -S @name
	sys.listen(server, 0);
	const fd = sys.connectAbstract(name);
	t.like(sys.probe(fd), { nonblock: true, socket: { domain: 'unix', type: 'stream' } });
	t.true(sys.getCloexec(fd));
	const conn = sys.accept(server) ?? -1;
	t.is(sys.peerCred(conn).pid, process.pid);
	sys.send(fd, Buffer.from('ping'));
	t.is(sys.recv(conn, 10)?.data.toString(), 'ping');
	// Backlog 0 holds one pending connection; the next connect fails at once instead of blocking.
	const queued = sys.connectAbstract(name);
	t.like(
		t.throws(() => sys.connectAbstract(name), { instanceOf: sys.SysError }),
		{ code: 'EAGAIN', syscall: 'connect' },
	);
	for (const f of [queued, conn, fd, server]) sys.close(f);

	// node:net's padded form of the same name (the whole sun_path) is another address.
	const padded = sys.createSocket('unix', 'stream', true);
	sys.bindUnix(padded, `\0${name}`.padEnd(108, '\0'));
	sys.listen(padded, 1);
	t.like(
		t.throws(() => sys.connectAbstract(name), { instanceOf: sys.SysError }),
		{ code: 'ECONNREFUSED', syscall: 'connect' },
	);
	sys.close(padded);

	t.like(
		t.throws(() => sys.connectAbstract('x'.repeat(107)), { instanceOf: sys.SysError }),
		{ code: 'ECONNREFUSED', syscall: 'connect' },
	);
	t.like(
		t.throws(() => sys.connectAbstract('x'.repeat(108)), { instanceOf: sys.SysError }),
		{ code: 'ENAMETOOLONG', syscall: 'connect' },
	);
	t.like(
		t.throws(() => sys.connectAbstract('a\0b'), { instanceOf: sys.SysError }),
		{ code: 'EINVAL', syscall: 'connect' },
	);
	t.deepEqual(sys.listOpenFds(), before);
});

// ---- spawn ------------------------------------------------------------------------------------

test.serial('spawn: the child has exactly the listed fds and nothing else', async t => {
	const n = devNull();
	const leak = sys.dupCloexec(n, 3);
	sys.setCloexec(leak, false); // closefrom, not O_CLOEXEC, must keep this one out
	const { output, exit } = await run(PRINT_FDS, [PRINT_FDS], out => [n, out, out]);
	t.deepEqual(exit.code, 0);
	const fds = parseFds(output);
	t.deepEqual([...fds.keys()].sort(), [0, 1, 2]);
	t.is(fds.get(0), '/dev/null');
	t.regex(fds.get(1) ?? '', /^pipe:/);
	sys.close(leak);
	sys.close(n);
});

test.serial('spawn: -1 leaves a position closed; source fds colliding with targets are moved first', async t => {
	const [ar, aw] = sys.pipe();
	const [br, bw] = sys.pipe();
	const target = (fd: number): string => readlinkSync(`/proc/self/fd/${fd}`);
	// Position aw gets bw, and a later position gets aw itself: a naive dup2 sequence would
	// have overwritten aw before reading it.
	const { output } = await run(PRINT_FDS, [PRINT_FDS], out => {
		const fds = Array.from({ length: aw + 2 }, () => -1);
		fds[1] = out;
		fds[aw] = bw;
		fds[aw + 1] = aw;
		return fds;
	});
	const fds = parseFds(output);
	t.deepEqual(
		[...fds.keys()].sort((x, y) => x - y),
		[1, aw, aw + 1],
	);
	t.is(fds.get(aw), target(bw));
	t.is(fds.get(aw + 1), target(aw));
	t.not(target(aw), target(bw));
	for (const fd of [ar, aw, br, bw]) sys.close(fd);
	// The temporaries used to move fds are gone again.
	t.false(sys.listOpenFds().some(fd => fd > aw + 1 && fd < aw + 4 && sys.probe(fd)?.kind === 'fifo'));
});

test.serial('spawn: default signal dispositions and an empty mask (Node ignores SIGPIPE)', async t => {
	const n = devNull();
	// grep reads its own status: a shell's mask moves while it waits for its children.
	const { output } = await run('grep', ['grep', '-E', '^Sig(Blk|Ign):', '/proc/self/status'], out => [n, out, out]);
	sys.close(n);
	t.regex(output, /^SigBlk:\s+0+$/m);
	t.regex(output, /^SigIgn:\s+0+$/m);
	const env = await run('sh', ['sh', '-c', 'echo "$DP_X"'], out => [-1, out]);
	t.is(env.output, '\n');
	const withEnv = await (async () => {
		const [r, w] = sys.pipe();
		const pid = sys.spawn({
			file: 'sh',
			argv: ['sh', '-c', 'echo "$DP_X:${HOME-unset}"'],
			fds: [-1, w],
			env: ['DP_X=caf\xe9'],
		});
		sys.close(w);
		const [out] = await Promise.all([readAll(r), waitExit(pid)]);
		return out;
	})();
	t.deepEqual(withEnv, Buffer.from('caf\xe9:unset\n', 'latin1'));
});

test.serial('spawn: newSession makes the child lead a session and process group of its own', async t => {
	// /proc/self/stat fields 4-6 after the command: ppid pgrp session.
	const stat = "cut -d' ' -f1,5,6 /proc/self/stat";
	const own = await run('sh', ['sh', '-c', `exec ${stat}`], out => [-1, out], { newSession: true });
	t.is(own.output.trim(), `${own.pid} ${own.pid} ${own.pid}`);
	const shared = await run('sh', ['sh', '-c', `exec ${stat}`], out => [-1, out]);
	const ours = readFileSync('/proc/self/stat', 'latin1').split(') ')[1]?.split(' ')[2];
	t.is(shared.output.trim().split(' ')[1], ours, 'without it, the child stays in our process group');
});

test.serial('spawn: credentials are set before exec; a failing step is named', async t => {
	if (process.geteuid?.() !== 0) {
		t.log('skipped: needs root');
		t.pass();
		return;
	}
	const ids = await run('grep', ['grep', '-E', '^(Uid|Gid|Groups):', '/proc/self/status'], out => [-1, out], {
		credentials: { uid: 65534, gid: 65534, groups: [65534, 4] },
	});
	t.regex(ids.output, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
	t.regex(ids.output, /^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
	t.regex(ids.output, /^Groups:\s+4 65534\s*$/m);
	// cgroup.procs opened read-only: the write that joins the cgroup fails with EBADF.
	const n = sys.openFile('/dev/null', {
		read: true,
		write: false,
		append: false,
		create: false,
		trunc: false,
		nonblock: false,
	});
	const err = t.throws(() => sys.spawn({ file: '/bin/true', argv: ['true'], fds: [], cgroupProcsFd: n }), {
		instanceOf: sys.SysError,
	});
	sys.close(n);
	t.is(err.syscall, 'cgroup');
	t.is(err.code, 'EBADF');
});

test.serial('spawn: a missing program throws SysError ENOENT with syscall spawn', t => {
	for (const file of ['daemonproxy-no-such-program', '/nonexistent/program']) {
		const err = t.throws(() => sys.spawn({ file, argv: [file], fds: [] }), { instanceOf: sys.SysError });
		t.is(err.code, 'ENOENT');
		t.is(err.syscall, 'spawn');
		t.is(err.message, 'No such file or directory');
	}
	t.is(
		t.throws(() => sys.spawn({ file: '/bin/true', argv: ['true'], fds: [987_654] }), { instanceOf: sys.SysError }).code,
		'EBADF',
	);
});

// ---- child exits ------------------------------------------------------------------------------

test.serial('onChildExit: exit codes 0 and 42, signal 15', async t => {
	const a = sys.spawn({ file: '/bin/sh', argv: ['sh', '-c', 'exit 0'], fds: [] });
	const b = sys.spawn({ file: '/bin/sh', argv: ['sh', '-c', 'exit 42'], fds: [] });
	const c = sys.spawn({ file: 'sleep', argv: ['sleep', '1000'], fds: [] });
	sys.kill(c, 15);
	t.deepEqual(await waitExit(a), { pid: a, code: 0, signal: null });
	t.deepEqual(await waitExit(b), { pid: b, code: 42, signal: null });
	t.deepEqual(await waitExit(c), { pid: c, code: null, signal: 15 });
	t.throws(() => sys.onChildExit(() => undefined));
});

test.serial('onChildExit: 200 children exiting at once are all reported', async t => {
	const [r, w] = sys.pipe();
	const n = devNull();
	const pids: number[] = [];
	for (let i = 0; i < 200; i++) pids.push(sys.spawn({ file: '/bin/cat', argv: ['cat'], fds: [r, n, n] }));
	sys.close(r);
	sys.close(n);
	sys.close(w); // every cat sees EOF now
	const results = await Promise.all(pids.map(pid => waitExit(pid)));
	t.is(results.length, 200);
	t.true(results.every(x => x.code === 0));
	t.is(new Set(results.map(x => x.pid)).size, 200);
});

test.serial('setChildSubreaper: an orphaned grandchild is reaped here', async t => {
	sys.setChildSubreaper();
	const [r, w] = sys.pipe();
	const n = devNull();
	const { output, exit } = await run('/bin/sh', ['sh', '-c', 'cat <&3 >/dev/null 3<&- & echo $!'], out => [
		n,
		out,
		n,
		r,
	]);
	sys.close(r);
	sys.close(n);
	t.is(exit.code, 0);
	const orphan = Number(output.trim());
	t.true(orphan > 0);
	sys.close(w);
	t.deepEqual(await waitExit(orphan), { pid: orphan, code: 0, signal: null });
});

// ---- exec -------------------------------------------------------------------------------------

test.serial('execvp: failure throws and restores signal handling; success keeps the pid', async t => {
	const err = t.throws(() => sys.execvp('/nonexistent/program', ['x']), { instanceOf: sys.SysError });
	t.is(err.code, 'ENOENT');
	t.is(err.syscall, 'execvp');
	// SIGPIPE is still ignored (else this process would die here) ...
	const [r, w] = sys.pipe();
	sys.close(r);
	t.is(t.throws(() => sys.send(w, Buffer.from('x')), { instanceOf: sys.SysError }).code, 'EPIPE');
	sys.close(w);
	// ... and SIGCHLD still reaches onChildExit.
	const pid0 = sys.spawn({ file: '/bin/true', argv: ['true'], fds: [] });
	t.is((await waitExit(pid0)).code, 0);

	const code = `const sys = await import(${JSON.stringify(SYS_URL)});
sys.execvp('grep', ['grep', '-E', '^(Pid|Sig(Blk|Ign)):', '/proc/self/status']);`;
	const n = devNull();
	const { pid, output, exit } = await run(process.execPath, ['node', '--input-type=module', '-e', code], out => [
		n,
		out,
		out,
	]);
	sys.close(n);
	t.is(exit.code, 0, output);
	t.is(Number(/^Pid:\s+(\d+)$/m.exec(output)?.[1]), pid);
	t.regex(output, /^SigBlk:\s+0+$/m);
	t.regex(output, /^SigIgn:\s+0+$/m);
});

// ---- fd hygiene -------------------------------------------------------------------------------

test.serial('listOpenFds returns to its baseline after 1000 pipe create/close cycles', t => {
	const baseline = sys.listOpenFds();
	t.true(baseline.includes(0));
	t.true(baseline.every(fd => sys.probe(fd) !== null)); // the directory's own fd is not listed
	for (let i = 0; i < 1000; i++) {
		const [r, w] = sys.pipe();
		sys.close(r);
		sys.close(w);
	}
	t.deepEqual(sys.listOpenFds(), baseline);
});

// ---- Watcher and FdStream ---------------------------------------------------------------------

test.serial('Watcher: makes the fd non-blocking, closes from its own callback, one per fd', async t => {
	const [r, w] = sys.pipe();
	sys.send(w, Buffer.from('x'));
	let calls = 0;
	await withTimeout(
		new Promise<void>(resolve => {
			const watcher = new sys.Watcher(r, readable => {
				calls++;
				t.true(readable);
				watcher.close();
				watcher.close();
				resolve();
			});
			t.true(sys.probe(r)?.nonblock);
			t.is(t.throws(() => new sys.Watcher(r, () => undefined), { instanceOf: sys.SysError }).code, 'EEXIST');
			watcher.want(true, false);
		}),
		'readable',
	);
	await nextTurn();
	await nextTurn();
	t.is(calls, 1);
	// sys.close() stops an active watcher, so the fd number can be watched again once reused.
	const again = new sys.Watcher(r, () => undefined);
	again.want(true, false);
	sys.close(r);
	t.true(again.closed);
	const [r2, w2] = sys.pipe();
	const third = new sys.Watcher(r, () => undefined);
	third.close();
	for (const fd of [w, r2, w2]) sys.close(fd);
	t.is(t.throws(() => new sys.Watcher(987_654, () => undefined), { instanceOf: sys.SysError }).code, 'EBADF');
});

test.serial('FdStream: 10 MB through a pipe, in order; write never blocks', async t => {
	const total = 10 * 1024 * 1024;
	const source = randomBytes(total);
	const [r, w] = sys.pipe();
	const chunks: Buffer[] = [];
	let received = 0;
	let drains = 0;
	let onDrained = (): void => undefined;
	let onReaderEnd = (): void => undefined;
	let onWriterClose = (): void => undefined;
	const reader = new FdStream(
		r,
		{
			onData(data) {
				chunks.push(data);
				received += data.length;
			},
			onEnd: () => onReaderEnd(),
			onError: err => t.fail(err.message),
		},
		{ write: false },
	);
	reader.pauseReading();
	const writer = new FdStream(
		w,
		{
			onData: () => t.fail('writer read'),
			onEnd: () => t.fail('writer end'),
			onError: err => t.fail(err.message),
			onDrain() {
				drains++;
				onDrained();
			},
			onClose: () => onWriterClose(),
		},
		{ read: false },
	);
	t.true(sys.probe(w)?.nonblock);
	t.is(writer.blockedSinceMs, null);
	const sizes = [1, 100, 4096, 65_536, 300_000, 7, 1_000_000];
	const before = sys.monotonicMs();
	for (let off = 0, i = 0; off < total; i++) {
		const n = Math.min(sizes[i % sizes.length] ?? 1, total - off);
		writer.write(source.subarray(off, off + n));
		off += n;
	}
	// Nobody reads yet: the pipe holds at most its buffer, the rest waits in the queue.
	t.true(writer.pendingBytes > total - 2 * 1024 * 1024, String(writer.pendingBytes));
	const since = writer.blockedSinceMs ?? -1;
	t.true(since >= before && since <= sys.monotonicMs());
	t.is(drains, 0);
	const drained = new Promise<void>(resolve => {
		onDrained = resolve;
	});
	reader.resumeReading();
	await withTimeout(drained, 'drain');
	t.is(writer.pendingBytes, 0);
	t.is(writer.blockedSinceMs, null);
	t.is(drains, 1);
	const ended = new Promise<void>(resolve => {
		onReaderEnd = resolve;
	});
	const closed = new Promise<void>(resolve => {
		onWriterClose = resolve;
	});
	writer.end();
	await withTimeout(Promise.all([ended, closed]), 'end');
	t.true(writer.closed);
	t.is(sys.probe(w), null); // end() closed it
	t.is(received, total);
	t.true(Buffer.concat(chunks).equals(source));
	reader.destroy();
	sys.close(r);
});

test.serial('FdStream: a reader that goes away is one EPIPE; later writes are discarded', async t => {
	const [r, w] = sys.pipe();
	const errors: sys.SysError[] = [];
	let onErr = (): void => undefined;
	const writer = new FdStream(w, {
		onData: () => undefined,
		onEnd: () => undefined,
		onError(err) {
			errors.push(err);
			onErr();
		},
	});
	writer.write(Buffer.alloc(300_000, 1));
	t.true(writer.pendingBytes > 0);
	const failed = new Promise<void>(resolve => {
		onErr = resolve;
	});
	sys.close(r); // the poll now says POLLERR; the stream must find EPIPE behind it
	await withTimeout(failed, 'EPIPE');
	t.is(errors.length, 1);
	t.like(errors[0], { code: 'EPIPE', syscall: 'write' });
	writer.write(Buffer.from('more'));
	t.is(writer.pendingBytes, 0);
	t.is(writer.blockedSinceMs, null);
	await nextTurn();
	t.is(errors.length, 1);
	writer.destroy();
	sys.close(w);
});

test.serial('FdStream: regular files and /dev/null (unpollable, EPERM) read and write', async t => {
	const dir = mkdtempSync(join(tmpdir(), 'dp-sys-'));
	try {
		const content = randomBytes(300_000);
		writeFileSync(join(dir, 'in'), content);
		const fd = sys.openFile(join(dir, 'in'), {
			read: true,
			write: false,
			append: false,
			create: false,
			trunc: false,
			nonblock: false,
		});
		t.true((await readAll(fd)).equals(content));
		t.is((await readAll(devNull())).length, 0);

		const out = sys.openFile(join(dir, 'out'), {
			read: false,
			write: true,
			append: true,
			create: true,
			trunc: true,
			nonblock: false,
		});
		let closeIt = (): void => undefined;
		const closed = new Promise<void>(resolve => {
			closeIt = resolve;
		});
		const stream = new FdStream(out, {
			onData: () => undefined,
			onEnd: () => undefined,
			onError: err => t.fail(err.message),
			onClose: () => closeIt(),
		});
		for (let i = 0; i < 100; i++) stream.write(content.subarray(i * 3000, (i + 1) * 3000));
		stream.end();
		await withTimeout(closed, 'file closed');
		t.true(readFileSync(join(dir, 'out')).equals(content));
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test.serial('FdStream: unix socket data with passed fds; pause; write back; EOF', async t => {
	const [a, b] = sys.socketpair('stream');
	const [pr, pw] = sys.pipe();
	const seen: { data: string; fds: number[] }[] = [];
	let ended = (): void => undefined;
	let dataArrived = (): void => undefined;
	const stream = new FdStream(b, {
		onData(data, fds) {
			seen.push({ data: data.toString(), fds });
			dataArrived();
		},
		onEnd: () => ended(),
		onError: err => t.fail(err.message),
	});
	const first = new Promise<void>(resolve => {
		dataArrived = resolve;
	});
	sys.send(a, Buffer.from('hello'), [pw]);
	sys.close(pw);
	await withTimeout(first, 'data');
	t.is(seen[0]?.data, 'hello');
	t.is(seen[0]?.fds.length, 1);
	const passed = seen[0]?.fds[0] ?? -1;
	sys.send(passed, Buffer.from('via passed fd'));
	sys.close(passed);
	t.is(sys.recv(pr, 100)?.data.toString(), 'via passed fd');
	stream.write(Buffer.from('pong'));
	t.is(sys.recv(a, 100)?.data.toString(), 'pong');
	const eof = new Promise<void>(resolve => {
		ended = resolve;
	});
	sys.shutdown(a, 'write');
	await withTimeout(eof, 'EOF');
	stream.destroy();
	for (const fd of [a, b, pr]) sys.close(fd);
});
