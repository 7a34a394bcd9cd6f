// fd.take over a real control socket (spec §7.16, §4.8): the test is a client that passes
// descriptors with SCM_RIGHTS (through sys.ts, the one module that touches raw fds), then checks
// the probed fd.state, every error in order, the per-connection queue, and that services read and
// write through taken handles. Every read waits for its fd to be readable (sys.Watcher), under a
// deadline; test-side fds are always closed.

import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import * as sys from '../../src/os/sys.js';
import { DEFAULT_TIMEOUT_MS, listFds, pollUntil, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

function err(message: string, line: string): string {
	const context = line.length <= 30 ? line : `${line.slice(0, 30)}...`;
	return `error\t${message}, for command "${context}"`;
}

/**
 * Runs `attempt` now and whenever the non-blocking `fd` becomes readable (EOF and errors
 * included), until it returns true; rejects with what it throws, or at the deadline.
 */
function whenReadable(
	fd: number,
	attempt: () => boolean,
	what: () => string,
	timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
	return new Promise((resolve, reject) => {
		// eslint-disable-next-line prefer-const -- settle() may run (through check()) before the watcher exists
		let watcher: sys.Watcher | undefined;
		let settled = false;
		const settle = (error?: unknown): void => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			watcher?.close();
			if (error === undefined) resolve();
			else reject(error);
		};
		const check = (): void => {
			try {
				if (attempt()) settle();
			} catch (error: unknown) {
				settle(error);
			}
		};
		const timer = setTimeout(() => settle(new Error(`${what()} within ${timeoutMs} ms`)), timeoutMs);
		check();
		if (settled) return;
		// An error event stops the watcher: the next read shows the cause, and want() restarts it.
		watcher = new sys.Watcher(fd, () => {
			check();
			watcher?.want(true, false);
		});
		watcher.want(true, false);
		check(); // what arrived while the watcher was being set up
	});
}

/** Test-side descriptors, closed at teardown unless closed before. */
class Fds {
	readonly #open = new Set<number>();

	constructor(t: ExecutionContext) {
		t.teardown(() => {
			for (const fd of this.#open) sys.close(fd);
			this.#open.clear();
		});
	}

	pipe(): [number, number] {
		const ends = sys.pipe();
		for (const fd of ends) this.#open.add(fd);
		return ends;
	}

	socketpair(type: 'stream' | 'dgram'): [number, number] {
		const ends = sys.socketpair(type);
		for (const fd of ends) this.#open.add(fd);
		return ends;
	}

	adopt(fd: number): number {
		this.#open.add(fd);
		return fd;
	}

	close(...fds: number[]): void {
		for (const fd of fds) {
			if (this.#open.delete(fd)) sys.close(fd);
		}
	}
}

/** A control-socket connection on a raw non-blocking fd, so lines can carry SCM_RIGHTS. */
class RawClient {
	readonly fd: number;
	readonly lines: string[] = [];
	#cursor = 0;
	#partial = '';
	#eof = false;
	#closed = false;
	#seq = 0;

	constructor(t: ExecutionContext, path: string) {
		this.fd = sys.createSocket('unix', 'stream', true);
		try {
			sys.connectUnix(this.fd, path);
		} catch (error: unknown) {
			sys.close(this.fd);
			throw error;
		}
		t.teardown(() => this.close());
	}

	/** One line (LF added) in one sendmsg, with `fds` attached as SCM_RIGHTS. */
	send(line: string, fds?: number[]): void {
		const data = Buffer.from(`${line}\n`, 'latin1');
		const sent = sys.send(this.fd, data, fds);
		if (sent !== data.length) throw new Error(`short send: ${String(sent)} of ${data.length}`);
	}

	/** Sends `line` (with `fds`) and an echo barrier; resolves with the lines before the barrier. */
	async command(line: string, fds?: number[]): Promise<string[]> {
		const token = `raw-sync\t${++this.#seq}`;
		this.send(line, fds);
		this.send(`echo\t${token}`);
		const start = this.#cursor;
		await whenReadable(
			this.fd,
			() => {
				this.#pump();
				const at = this.lines.indexOf(token, this.#cursor);
				if (at >= 0) {
					this.#cursor = at + 1;
					return true;
				}
				if (this.#eof)
					throw new Error(`EOF before ${JSON.stringify(token)}; got ${JSON.stringify(this.lines.slice(start))}`);
				return false;
			},
			() => `RawClient: reply to ${JSON.stringify(line)} (got ${JSON.stringify(this.lines.slice(start))})`,
		);
		return this.lines.slice(start, this.#cursor - 1);
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		sys.close(this.fd);
	}

	#pump(): void {
		for (;;) {
			const got = sys.recv(this.fd, 65536);
			if (got === null) return;
			for (const fd of got.fds) sys.close(fd); // the daemon never sends any; never leak one
			if (got.data.length === 0) {
				this.#eof = true;
				return;
			}
			const parts = (this.#partial + got.data.toString('latin1')).split('\n');
			this.#partial = parts.pop() ?? '';
			this.lines.push(...parts);
		}
	}
}

/** Reads a pipe or socket end (made non-blocking) until `done(text)` or EOF; returns the text. */
async function readUntil(fd: number, done: (text: string, eof: boolean) => boolean, what: string): Promise<string> {
	sys.setNonblock(fd, true);
	let text = '';
	let eof = false;
	await whenReadable(
		fd,
		() => {
			while (!eof) {
				const got = sys.recv(fd, 65536);
				if (got === null) break;
				if (got.data.length === 0) eof = true;
				else text += got.data.toString('latin1');
			}
			if (done(text, eof)) return true;
			if (eof) throw new Error(`${what}: EOF after ${JSON.stringify(text)}`);
			return false;
		},
		() => `${what} (read so far: ${JSON.stringify(text)})`,
	);
	return text;
}

/** Drops the broadcast service.state lines of services running meanwhile. */
function withoutServiceStates(lines: readonly string[]): string[] {
	return lines.filter(line => !line.startsWith('service.state\t'));
}

/** True when nothing is readable and the writer side is still open (never waits). */
function stillOpen(fd: number): boolean {
	sys.setNonblock(fd, true);
	return sys.recv(fd, 1) === null;
}

async function setup(t: ExecutionContext): Promise<{ d: Daemon; c: RawClient; fds: Fds; dir: string }> {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl.sock');
	const d = await startDaemon(t, ['-S', path], { cwd: dir });
	return { d, c: new RawClient(t, path), fds: new Fds(t), dir };
}

test('fd.take stores a received descriptor (every controller sees it); a service reads and writes through taken handles', async t => {
	const { d, c, fds } = await setup(t);
	const [outR, outW] = fds.pipe();
	t.deepEqual(await c.command('fd.take\tgiven', [outW]), ['fd.state\tgiven\tfile\twrite\tunknown']);
	fds.close(outW);
	t.deepEqual(
		await d.command(''),
		['fd.state\tgiven\tfile\twrite\tunknown'],
		'the broadcast reached the other controller',
	);
	const [inR, inW] = fds.pipe();
	t.deepEqual(await c.command('fd.take\tgiven.r\textra', [inR]), ['fd.state\tgiven.r\tfile\tread\tunknown']);
	fds.close(inR);
	t.deepEqual(await c.command('service.args\trw\t/bin/sh\t-c\tread -r line; echo "got:$line"'), [
		'service.args\trw\t/bin/sh\t-c\tread -r line; echo "got:$line"',
	]);
	t.deepEqual(await c.command('service.fds\trw\tgiven.r\tgiven\tstderr'), ['service.fds\trw\tgiven.r\tgiven\tstderr']);
	d.send('service.start\trw');
	await d.stdout.waitFor(/^service\.state\trw\tup\t/);
	sys.send(inW, Buffer.from('ping\n'));
	t.is(await readUntil(outR, text => text.includes('\n'), "the service's reply"), 'got:ping\n');
	await d.stdout.waitFor(/^service\.state\trw\tdown\t\d+\t\d+\texit\t0\t/);
	t.true(stillOpen(outR), 'the daemon still holds the write end');
	t.deepEqual(withoutServiceStates(await c.command('fd.delete\tgiven')), ['fd.state\tgiven\tdeleted']);
	t.is(await readUntil(outR, (_text, eof) => eof, 'EOF once the daemon closed its copy'), '');
	const dump = await d.command('statedump');
	t.true(dump.includes('fd.state\tgiven.r\tfile\tread\tunknown'));
});

test('fd.take errors: nothing received is checked first; a refused name closes the received descriptor', async t => {
	const { c, fds } = await setup(t);
	for (const line of ['fd.take\tgiven2', 'fd.take\tnull', 'fd.take', 'fd.take\tbad/name']) {
		t.deepEqual(await c.command(line), [err('No ancillary file descriptor received', line)], line);
	}
	const refusals = [
		['fd.take\tnull', 'File descriptor cannot be altered'],
		['fd.take\tcontrol.cmd', 'File descriptor cannot be altered'],
		['fd.take', 'Expected file descriptor name'],
		['fd.take\t', 'Expected file descriptor name'],
		['fd.take\tbad/name', 'Invalid file descriptor name'],
	] as const;
	for (const [line, message] of refusals) {
		const [r, w] = fds.pipe();
		t.deepEqual(await c.command(line, [w]), [err(message, line)], line);
		fds.close(w);
		await readUntil(r, (_text, eof) => eof, `${line}: the daemon closed the refused descriptor`);
		fds.close(r);
	}
	t.deepEqual(
		await c.command('fd.take\tx'),
		[err('No ancillary file descriptor received', 'fd.take\tx')],
		'the queue is empty',
	);
});

test('fd.take probes the type and flags of sockets, non-blocking pipes and files; replacement rules apply', async t => {
	const { d, c, fds, dir } = await setup(t);
	const [sa, sb] = fds.socketpair('stream');
	t.deepEqual(await c.command('fd.take\tsk', [sa]), ['fd.state\tsk\tsocket\tunix,stream\tunknown']);
	const [da] = fds.socketpair('dgram');
	t.deepEqual(await c.command('fd.take\tdg', [da]), ['fd.state\tdg\tsocket\tunix,dgram\tunknown']);
	const inet = fds.adopt(sys.createSocket('inet', 'dgram', true));
	t.deepEqual(await c.command('fd.take\tin', [inet]), ['fd.state\tin\tsocket\tinet,dgram,nonblock\tunknown']);
	const [nr] = fds.pipe();
	sys.setNonblock(nr, true);
	t.deepEqual(await c.command('fd.take\tnb', [nr]), ['fd.state\tnb\tfile\tread,nonblock\tunknown']);
	const file = fds.adopt(
		sys.openFile(join(dir, 'f.txt'), {
			read: true,
			write: true,
			append: true,
			create: true,
			trunc: false,
			nonblock: false,
		}),
	);
	t.deepEqual(await c.command('fd.take\tfile', [file]), ['fd.state\tfile\tfile\tread,write,append\tunknown']);
	fds.close(sa, da, inet, nr, file);
	// The socket handle is passed on to a child like any other.
	await c.command('service.args\tsay\t/bin/sh\t-c\techo via-socket');
	await c.command('service.fds\tsay\tnull\tsk\tstderr');
	d.send('service.start\tsay');
	t.is(await readUntil(sb, text => text.includes('\n'), 'the line written through the taken socket'), 'via-socket\n');
	// Replacing: only the new fd.state; the old pipe end's peer shows `?`. (`say` exits whenever it
	// likes: its down event may fall inside any of these replies.)
	t.deepEqual(withoutServiceStates(await c.command('fd.pipe\tp.r\tp.w')), [
		'fd.state\tp.r\tpipe\tfrom\tp.w',
		'fd.state\tp.w\tpipe\tto\tp.r',
	]);
	const [, w] = fds.pipe();
	t.deepEqual(withoutServiceStates(await c.command('fd.take\tp.w', [w])), ['fd.state\tp.w\tfile\twrite\tunknown']);
	fds.close(w);
	const dump = await c.command('statedump');
	t.true(dump.includes('fd.state\tp.r\tpipe\tfrom\t?'));
	t.true(dump.includes('fd.state\tp.w\tfile\twrite\tunknown'));
});

test('received descriptors: 8 queued at most, extras closed and logged; fd.take takes the oldest; leftovers closed at the end', async t => {
	const { d, c, fds, dir } = await setup(t);
	const pipes = Array.from({ length: 9 }, () => fds.pipe());
	const writeEnds = pipes.map(([, w]) => w);
	t.deepEqual(await c.command('fd.take\tq0', writeEnds), ['fd.state\tq0\tfile\twrite\tunknown']);
	await d.stderr.waitFor(/^error: No room for ancillary file descriptor \d+$/);
	fds.close(...writeEnds);
	for (let i = 1; i < 8; i++) t.deepEqual(await c.command(`fd.take\tq${i}`), [`fd.state\tq${i}\tfile\twrite\tunknown`]);
	t.deepEqual(await c.command('fd.take\tq8'), [err('No ancillary file descriptor received', 'fd.take\tq8')]);
	// The ninth was closed by the daemon; the first eight are held, in order (q0 is the first).
	for (let i = 0; i < 8; i++) t.true(stillOpen(pipes[i]?.[0] ?? -1), `pipe ${i} is held`);
	await readUntil(pipes[8]?.[0] ?? -1, (_text, eof) => eof, 'the ninth descriptor was closed');
	await c.command('service.args\tw0\t/bin/sh\t-c\techo first');
	await c.command('service.fds\tw0\tnull\tq0\tstderr');
	d.send('service.start\tw0');
	t.is(await readUntil(pipes[0]?.[0] ?? -1, text => text.includes('\n'), 'q0 is the oldest descriptor'), 'first\n');
	// w0's `down` goes to every connection open when it comes: let it come before the next one
	// connects, whose echo reply must be all it receives.
	await d.stdout.waitFor(/^service\.state\tw0\tdown\t\d+\t\d+\texit\t0\t/);
	// Descriptors nobody took are closed (and logged) when their connection ends.
	const other = new RawClient(t, join(dir, 'ctl.sock'));
	const [l1r, l1w] = fds.pipe();
	const [l2r, l2w] = fds.pipe();
	t.deepEqual(await other.command('echo\tcarrying two', [l1w, l2w]), ['carrying two']);
	fds.close(l1w, l2w);
	other.close();
	await d.stderr.waitFor(/^warning: closing leftover ancillary file descriptor \d+$/);
	await readUntil(l1r, (_text, eof) => eof, 'leftover 1 closed');
	await readUntil(l2r, (_text, eof) => eof, 'leftover 2 closed');
});

test('fd accounting: 200 fd.take/fd.delete cycles return the daemon to its fd baseline', async t => {
	const { d, c, fds } = await setup(t);
	const cycle = async (): Promise<void> => {
		const [r, w] = fds.pipe();
		await c.command('fd.take\tt', [w]);
		fds.close(r, w);
		await c.command('fd.delete\tt');
	};
	await cycle();
	const baseline = listFds(d.pid).length;
	for (let i = 0; i < 200; i++) await cycle();
	// Replacing a taken handle by another taken one closes the first.
	for (let i = 0; i < 50; i++) {
		const [r, w] = fds.pipe();
		await c.command('fd.take\tkeep', [w]);
		fds.close(r, w);
	}
	await c.command('fd.delete\tkeep');
	// Nothing announces a descriptor closed: /proc is the only place to see it.
	await pollUntil(
		() => (listFds(d.pid).length === baseline ? true : undefined),
		() => `daemon fds back to ${baseline} (now ${listFds(d.pid).length})`,
	);
	t.pass();
});
