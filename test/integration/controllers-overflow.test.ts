// Stuck controllers (spec §4.4, §4.5, design §3 "Overflow", §5): a socket client that stops reading
// and a SIGSTOPped controller service, during a flood of events. Each gets exactly one `overflow`
// once it drains, the other controllers get every event, the daemon's memory stays bounded, and a
// reader blocked past its close timeout is closed (only then).

import { readFileSync } from 'node:fs';
import { type Socket } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import {
	DEFAULT_TIMEOUT_MS,
	pollUntil,
	processState,
	readText,
	SocketClient,
	startDaemon,
	tempDir,
	watchPath,
} from './helpers/daemon.js';

const PAD = 'x'.repeat(980);
const floodLine = (i: number): string => `service.args\tflood\t${i}\t${PAD}`;
const FLOOD_EVENT = /^service\.args\tflood\t(\d+)\t/;

function rssKiB(pid: number): number {
	const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
	if (!match) throw new Error(`no VmRSS for ${pid}`);
	return Number(match[1]);
}

/**
 * A controller connection that reads everything at once but keeps only counts (a flood is tens of
 * megabytes): flood events seen, `overflow` lines seen, and waiters for exact lines.
 */
class Flooder {
	readonly socket: Socket;
	floodEvents = 0;
	overflows = 0;
	#partial = '';
	readonly #waiters = new Map<string, () => void>();

	private constructor(socket: Socket) {
		this.socket = socket;
		socket.on('data', (chunk: Buffer) => {
			const parts = (this.#partial + chunk.toString('latin1')).split('\n');
			this.#partial = parts.pop() ?? '';
			for (const line of parts) {
				if (FLOOD_EVENT.test(line)) this.floodEvents++;
				else if (line === 'overflow') this.overflows++;
				const waiter = this.#waiters.get(line);
				if (waiter) {
					this.#waiters.delete(line);
					waiter();
				}
			}
		});
		socket.on('error', () => {});
	}

	static async connect(path: string): Promise<Flooder> {
		const client = await SocketClient.connect(path); // retries until the daemon listens
		client.socket.removeAllListeners('data');
		client.socket.removeAllListeners('end');
		client.socket.removeAllListeners('close');
		return new Flooder(client.socket);
	}

	/** Sends `line` and an echo barrier; resolves when the barrier comes back. */
	async command(line: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
		const token = `flooder-sync\t${Math.random()}`;
		const reached = this.#expect(token, timeoutMs);
		this.socket.write(`${line}\necho\t${token}\n`, 'latin1');
		await reached;
	}

	/** Writes `count` service.args lines of ~1000 bytes (honouring back-pressure), then a barrier. */
	async flood(count: number, timeoutMs = 30_000): Promise<void> {
		const token = `flood-done\t${Math.random()}`;
		const reached = this.#expect(token, timeoutMs);
		for (let i = 0; i < count;) {
			let chunk = '';
			for (let end = Math.min(count, i + 64); i < end; i++) chunk += `${floodLine(i)}\n`;
			if (!this.socket.write(chunk, 'latin1')) await new Promise(resolve => this.socket.once('drain', resolve));
		}
		this.socket.write(`echo\t${token}\n`, 'latin1');
		await reached;
	}

	close(): void {
		this.socket.destroy();
	}

	#expect(line: string, timeoutMs: number): Promise<void> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.#waiters.delete(line);
				reject(new Error(`Flooder: no ${JSON.stringify(line)} within ${timeoutMs} ms`));
			}, timeoutMs);
			this.#waiters.set(line, () => {
				clearTimeout(timer);
				resolve();
			});
		});
	}
}

/** Checks that `lines` are flood events 0, 1, …, k, then one `overflow`, then no flood event. */
function checkOverflowShape(lines: readonly string[]): string | undefined {
	const at = lines.indexOf('overflow');
	if (at < 0) return 'no overflow line';
	if (lines.indexOf('overflow', at + 1) >= 0) return 'more than one overflow line';
	for (let i = 0; i < at; i++) {
		const match = FLOOD_EVENT.exec(lines[i] ?? '');
		if (!match || Number(match[1]) !== i)
			return `line ${i} before the overflow is ${JSON.stringify((lines[i] ?? '').slice(0, 40))}`;
	}
	if (lines.slice(at + 1).some(line => FLOOD_EVENT.test(line))) return 'flood events after the overflow line';
	return undefined;
}

test('stuck readers (a client that stops reading, a SIGSTOPped controller service) each get exactly one overflow; others are served; memory stays bounded', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl.sock');
	const out = join(dir, 'svc.txt');
	const d = await startDaemon(t, ['-S', path], { interactive: false, cwd: dir });
	const flooder = await Flooder.connect(path);
	t.teardown(() => flooder.close());
	// A controller service that copies its events to a file, and is then stopped.
	await flooder.command(`fd.open\tsout\twrite,create\t${out}`);
	await flooder.command('service.args\tsvc\t/bin/sh\t-c\tprintf "echo\\tS-ready\\n" >&3; exec cat 3>&-');
	await flooder.command('service.fds\tsvc\tcontrol.socket\tsout\tstderr\tcontrol.socket');
	await flooder.command('service.start\tsvc');
	await watchPath(
		out,
		() => (readText(out).includes('\nS-ready\n') ? true : undefined),
		'the service controller ready',
	);
	const svcPid = Number(readText(out).split('\n')[0]?.split('\t')[4]);
	await flooder.command('service.signal\tsvc\tSTOP');
	// Nothing announces a stop (the daemon reports deaths only): /proc shows it.
	await pollUntil(() => (processState(svcPid) === 'T' ? true : undefined), 'the service stopped');
	const svcBefore = readText(out).length;
	// A socket client that stops reading.
	const stuck = await SocketClient.connect(path);
	t.teardown(() => stuck.close());
	await stuck.command('echo\tready');
	stuck.socket.pause();
	const stuckFrom = stuck.lines.seen.length;

	// The first flood lets V8 size its heap for this load (some 80 MiB, whatever the flood's size);
	// the second, four times larger, must then add little: what stuck readers hold is bounded.
	const WARM_UP_LINES = 16_000; // ~16 MB of events for each controller
	const FLOOD_LINES = 64_000;
	await flooder.flood(WARM_UP_LINES);
	const rssBefore = rssKiB(d.pid);
	await flooder.flood(FLOOD_LINES);
	const rssAfter = rssKiB(d.pid);
	t.is(flooder.floodEvents, WARM_UP_LINES + FLOOD_LINES, 'a reading controller gets every event');
	t.is(flooder.overflows, 0);
	// The daemon keeps serving: a new connection is answered at once.
	const fresh = await SocketClient.connect(path);
	t.teardown(() => fresh.close());
	t.deepEqual(await fresh.command('echo\tserved'), ['served']);
	const growthMiB = (rssAfter - rssBefore) / 1024;
	t.log(
		`daemon RSS ${Math.round(rssBefore / 1024)} MiB before, ${Math.round(rssAfter / 1024)} MiB after another ${FLOOD_LINES / 1000} MB flood with two stuck readers`,
	);
	// Holding the flood for even one of the two stuck readers would add 64 MiB.
	t.true(growthMiB < 48, `RSS grew by ${growthMiB.toFixed(1)} MiB`);

	// The client reads again: a prefix of the flood, one `overflow`, and it is served afterwards.
	stuck.socket.resume();
	await stuck.lines.waitFor('overflow');
	t.deepEqual(await stuck.command('echo\tafter'), ['after']);
	const problem = checkOverflowShape(stuck.lines.seen.slice(stuckFrom, -1));
	t.is(problem, undefined);
	t.true(stuck.lines.seen.length - stuckFrom > 100, 'it got the events that fitted before the overflow');

	// The service continues: the same shape in its file.
	await flooder.command('service.signal\tsvc\tCONT');
	await watchPath(
		out,
		() => (readText(out).endsWith('\noverflow\n') ? true : undefined),
		() => `the service drained (${readText(out).length} bytes)`,
	);
	// Events from now on reach it again.
	await flooder.command('fd.pipe\tmark.r\tmark.w');
	await watchPath(
		out,
		() => (readText(out).includes('\nfd.state\tmark.w\tpipe\tto\tmark.r\n') ? true : undefined),
		'the service got the next event',
	);
	const svcLines = readText(out).slice(svcBefore).split('\n');
	t.is(checkOverflowShape(svcLines), undefined);
});

// Regression test for the blocked-reader clock bug (fixed in 140e0ff): the daemon's periodic check
// compared CLOCK_MONOTONIC since boot with FdStream.blockedSinceMs (performance.now(), since the
// process started), so every controller whose output blocked even briefly was closed at the next
// check, whatever its conn.event_timeout. §4.5: with `conn.event_timeout 1 2` a reader blocked for
// 2 s is closed (warning at 1 s); one with the defaults (15 and 30 s) survives such a stall.
test('a stalled reader is closed only after its close timeout; one with the default timeouts survives the stall', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl.sock');
	const d = await startDaemon(t, ['-S', path], { interactive: false, cwd: dir });
	const flooder = await Flooder.connect(path);
	t.teardown(() => flooder.close());
	const short = await SocketClient.connect(path);
	t.teardown(() => short.close());
	await short.command('conn.event_timeout\t1\t2');
	const patient = await SocketClient.connect(path);
	t.teardown(() => patient.close());
	await patient.command('echo\tready');
	short.socket.pause();
	patient.socket.pause();
	const start = performance.now();
	await flooder.flood(4000); // ~4 MB: both readers block
	// Both stay paused: the close is seen in the daemon's log (a paused socket reads no EOF).
	const closing = /^error: controller \d+ blocked pipe for \d+ seconds, closing connection$/;
	const closed = await d.stderr.find(closing);
	const elapsed = performance.now() - start;
	t.true(elapsed >= 1900, `closed ${Math.round(elapsed)} ms after the flood began (close timeout 2 s)`);
	t.regex(closed, /blocked pipe for 2 seconds, closing connection$/);
	t.true(
		d.stderr.seen.some(line => /^warning: controller \d+ blocked pipe for 1 seconds$/.test(line)),
		'warned at the reset timeout',
	);
	short.socket.resume();
	await short.lines.ended;
	t.is(d.stderr.seen.filter(line => closing.test(line)).length, 1, 'only the short-timeout reader was closed');
	// The default-timeout reader, stalled as long, is still there.
	t.false(patient.lines.done, 'the reader with default timeouts was not closed');
	patient.socket.resume();
	await patient.lines.waitFor('overflow');
	t.deepEqual(await patient.command('echo\tafter'), ['after']);
});
