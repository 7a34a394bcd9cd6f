// Integration tests of hostile input on the control socket (design §2, spec §2.2): over-long
// lines, NUL and control bytes, bad tags, half-lines then close, and 10,000 connect/disconnect
// cycles; the daemon answers what deserves an answer, changes nothing, and its descriptor count
// returns exactly to its baseline and its memory to near it.

import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { listFds, pollUntil, SocketClient, startDaemon, tempDir } from './helpers/daemon.js';

function rssKiB(pid: number): number {
	const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
	return Number(match?.[1] ?? Number.NaN);
}

const outcomes = { connected: 0, failed: 0 };

/**
 * One connection: connect, wait until the daemon answers (so it has accepted and is reading),
 * write `data` (if any), then close at once or half-close.
 */
async function cycle(path: string, data: Buffer | null, halfClose: boolean): Promise<void> {
	await new Promise<void>(resolve => {
		const socket = createConnection({ path });
		let answered = false;
		socket.on('error', () => {
			// a reset by the daemon after we closed is fine
			if (!answered) outcomes.failed++;
			resolve();
		});
		socket.on('close', () => resolve());
		socket.on('connect', () => socket.write('echo\tsync\n'));
		socket.on('data', (chunk: Buffer) => {
			if (answered || !chunk.includes('sync\n')) return;
			answered = true;
			outcomes.connected++;
			if (data) socket.write(data);
			if (halfClose) socket.end();
			else socket.destroy();
		});
	});
}

async function cycles(
	path: string,
	count: number,
	concurrency: number,
	data: (i: number) => Buffer | null,
): Promise<void> {
	let next = 0;
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			for (let i = next++; i < count; i = next++) await cycle(path, data(i), i % 3 === 0);
		}),
	);
}

test('over-long lines, NUL and control bytes, bad tags: answered, nothing changes, the connection lives', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-S', path]);
	const before = await daemon.command('statedump');
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	client.sendRaw(Buffer.concat([Buffer.alloc(100_000, 0x41), Buffer.from('\n')]));
	client.sendRaw(Buffer.concat([Buffer.from('#'), Buffer.alloc(5000, 0x42), Buffer.from('\n')]));
	client.sendRaw(Buffer.from('\0\x01\x02echo\x7f\tx\n', 'latin1'));
	client.sendRaw(Buffer.from('echo\0\tx\n', 'latin1'));
	client.sendRaw(Buffer.from(':\0\techo\tx\n', 'latin1'));
	client.sendRaw(Buffer.from(':ok\t\0\n', 'latin1'));
	client.sendRaw(Buffer.from('service.args\tbad\x01name\t/bin/true\n', 'latin1'));
	client.sendRaw(Buffer.from('\xff\xfe\r\n', 'latin1'));
	client.sendRaw(Buffer.from('__proto__\n', 'latin1'));
	t.deepEqual(await client.command('echo\tstill here'), [
		'error\tline too long',
		'error\tUnknown command: \0\x01\x02echo\x7f',
		'error\tUnknown command: echo\0',
		'error\tinvalid request tag, for command ":\0\techo\tx"',
		':ok\tok',
		'error\tInvalid service name, for command "service.args\tbad\x01name\t/bin/tru..."',
		'error\tUnknown command: \xff\xfe\r',
		'error\tUnknown command: __proto__',
		'still here',
	]);
	t.deepEqual(await daemon.command('statedump'), before);
});

test('half-lines then close run nothing; 10,000 connect/disconnect cycles leave fds and memory at baseline', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-S', path, '-qqq']); // fatal only: 10,000 resets and EOF warnings would be noise
	const garbage = [
		null,
		Buffer.from('service.tags\thalf\tline'),
		Buffer.from('\0\0\0\xff\n\x01', 'latin1'),
		Buffer.alloc(3000, 0x43),
		Buffer.from(':t\tstatedump\nservice.args\tnever\t/bin/true'),
		Buffer.from('echo\tx\n'.repeat(50)),
	];
	const pick = (i: number): Buffer | null => garbage[i % garbage.length] ?? null;
	await cycles(path, 1000, 50, pick); // warm-up: lazy allocations, JIT, pools
	const settle = async (fds: number): Promise<void> => {
		// A descriptor closed is announced nowhere: /proc shows it.
		await pollUntil(
			() => (listFds(daemon.pid).length === fds ? true : undefined),
			() => `fd count ${listFds(daemon.pid).length}, baseline ${fds}`,
		);
	};
	const baselineFds = listFds(daemon.pid).length;
	const baselineRss = rssKiB(daemon.pid);

	const started = performance.now();
	outcomes.connected = 0;
	outcomes.failed = 0;
	await cycles(path, 10_000, 50, pick);
	t.log(`10,000 cycles in ${Math.round(performance.now() - started)} ms`);
	t.deepEqual(outcomes, { connected: 10_000, failed: 0 }, 'every connection was accepted');
	await settle(baselineFds);
	const state = await daemon.command('statedump');
	t.false(
		state.some(line => /\t(half|never)\t/.test(line)),
		'no half-line was executed',
	);
	t.deepEqual(listFds(daemon.pid).length, baselineFds, 'fd count exactly at baseline');
	const grown = rssKiB(daemon.pid) - baselineRss;
	t.log(`RSS ${baselineRss} KiB before, grew by ${grown} KiB`);
	t.true(grown < 32 * 1024, `RSS grew by ${grown} KiB`);
	// Still serving.
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	t.deepEqual(await client.command(':z\techo\talive'), [':z\talive', ':z\tok']);
});

test("a socket peer's failed and unknown commands: every one answered, logged once per uid per interval with a count; the daemon's own all logged", async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-S', path, '--peer-log-interval', '1']);
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	const FLOOD = 2000;
	for (let i = 0; i < FLOOD; i++) client.send(i % 2 === 0 ? `no.such.verb${i}` : `service.start\tnosuch${i}`);
	const replies = await client.command('echo\tend');
	t.is(replies.length, FLOOD + 1, 'every failed command still gets its error line');
	t.true(replies.slice(0, FLOOD).every(line => line.startsWith('error\t')));
	const summary = await daemon.stderr.waitFor(
		/^error: \d+ more failed commands of uid \d+ in the last 1 s were not logged$/,
	);
	t.is(
		summary,
		`error: ${FLOOD - 1} more failed commands of uid ${process.geteuid?.() ?? 0} in the last 1 s were not logged`,
	);
	const logged = daemon.stderr.seen.filter(line => / sent unknown command | command failed: /.test(line));
	t.is(logged.length, 1, logged.join('\n'));
	t.regex(logged[0] ?? '', /^error: .* sent unknown command no\.such\.verb0$/);
	// The daemon's own controller (stdin here) is its policy: all of its failures are logged, as in 1.1.
	for (let i = 0; i < 3; i++) await daemon.command(`no.such.own${i}`);
	for (let i = 0; i < 3; i++) await daemon.stderr.waitFor(new RegExp(` sent unknown command no\\.such\\.own${i}$`));
	t.pass();
});
