// Integration tests of the resumable event stream (design §3) over real sockets: 50 clients in
// seq mode see every event of restarting services with consecutive numbers; a client that does
// not read gets `overflow` while the others lose nothing, then resumes; a reconnecting client
// gets exactly what it missed; gaps, subscriptions, and the statedump terminator.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { fixture, SocketClient, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

const SEQ_ON_RE = /^events\.seq\ton\t(\d+)\t([0-9a-f]{16})$/;

/** The number of a `@SEQ\t…` line, or undefined for any other line. */
function seqOf(line: string): number | undefined {
	const match = /^@(\d+)\t/.exec(line);
	return match ? Number(match[1]) : undefined;
}

function body(line: string): string {
	return line.slice(line.indexOf('\t') + 1);
}

async function connect(t: ExecutionContext, path: string): Promise<SocketClient> {
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	return client;
}

/** Turns seq mode on; resolves with the newest number at that moment and the stream id. */
async function seqOn(client: SocketClient): Promise<{ newest: number; stream: string }> {
	client.send('events.seq\ton');
	const match = SEQ_ON_RE.exec(await client.lines.waitFor(SEQ_ON_RE));
	return { newest: Number(match?.[1]), stream: match?.[2] ?? '' };
}

/** Numbered lines seen after the cursor position `from` of `seen`. */
function numbered(lines: readonly string[]): Array<[number, string]> {
	return lines.flatMap((line): Array<[number, string]> => {
		const seq = seqOf(line);
		return seq === undefined ? [] : [[seq, body(line)]];
	});
}

test('50 clients see every event of restarting services, in order, with consecutive numbers', async t => {
	const dir = await tempDir(t);
	const config = join(dir, 'conf');
	const services = ['r0', 'r1', 'r2'];
	await writeFile(
		config,
		services
			.map(name => `service.args\t${name}\t${fixture('exit-with.sh')}\nservice.auto_up\t${name}\t1\talways\n`)
			.join(''),
	);
	const path = join(dir, 'ctl');
	await startDaemon(t, ['-c', config, '-S', path], { interactive: false });
	const clients = await Promise.all(Array.from({ length: 50 }, async () => connect(t, path)));
	// With service.status (which `*` does not include) every event published is theirs: no gaps.
	for (const client of clients) client.send('events.subscribe\tservice.status');
	const starts = await Promise.all(clients.map(async client => seqOn(client)));
	t.is(new Set(starts.map(start => start.stream)).size, 1, 'one stream id');
	const target = Math.max(...starts.map(start => start.newest)) + 18;
	await Promise.all(clients.map(async client => client.lines.waitFor(line => (seqOf(line) ?? 0) >= target)));

	const bySeq = new Map<number, string>();
	for (const [i, client] of clients.entries()) {
		const from = client.lines.seen.findIndex(line => SEQ_ON_RE.test(line));
		const after = client.lines.seen.slice(from + 1);
		const events = numbered(after);
		t.is(events.length, after.length, `client ${i}: every event line is numbered`);
		const seqs = events.map(([seq]) => seq);
		const first = (starts[i]?.newest ?? 0) + 1;
		t.deepEqual(
			seqs,
			Array.from({ length: seqs.length }, (_, k) => first + k),
			`client ${i}: consecutive from ${first}`,
		);
		for (const [seq, line] of events) {
			t.regex(line, /^service\.(state\tr\d\t(start|up|down)|status\tr\d\tready=)\t?/);
			const known = bySeq.get(seq);
			if (known === undefined) bySeq.set(seq, line);
			else if (known !== line)
				t.fail(`client ${i}: event ${seq} is ${JSON.stringify(line)}, others got ${JSON.stringify(known)}`);
		}
	}
	// Each service goes round start → up → down.
	const next = { start: 'up', up: 'down', down: 'start' } as const;
	for (const name of services) {
		const states = [...bySeq.entries()]
			.sort(([a], [b]) => a - b)
			.map(([, line]) => line.split('\t'))
			.filter(fields => fields[0] === 'service.state' && fields[1] === name)
			.map(fields => fields[2] as keyof typeof next);
		t.true(states.length >= 3, `${name} restarted`);
		for (let k = 1; k < states.length; k++) t.is(states[k], next[states[k - 1] ?? 'down'], `${name} state ${k}`);
	}
});

/** Sends `count` service.tags commands in batches, each batch followed by waiting for `readers`. */
async function flood(daemon: Daemon, readers: SocketClient[], count: number): Promise<string[]> {
	const pad = 'x'.repeat(180);
	const sent: string[] = [];
	for (let i = 0; i < count; i += 100) {
		for (let k = i; k < Math.min(count, i + 100); k++) {
			const line = `service.tags\tflood\t${k}\t${pad}`;
			daemon.send(line);
			sent.push(line);
		}
		const last = sent.at(-1) ?? '';
		await Promise.all(readers.map(async reader => reader.lines.waitFor(line => line.endsWith(`\t${last}`))));
	}
	return sent;
}

test('a client that does not read gets one overflow, the others lose nothing, and it resumes', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-S', path, '--event-queue-limit', '65536']);
	const readers = await Promise.all(Array.from({ length: 20 }, async () => connect(t, path)));
	const reference = await connect(t, path);
	const stalled = await connect(t, path);
	for (const client of [...readers, reference, stalled]) await seqOn(client);
	t.deepEqual(await reference.command('events.subscribe\taudit'), []);
	stalled.socket.pause();

	const sent = await flood(daemon, [...readers, reference], 2000);
	const all = numbered(reference.lines.seen);
	t.deepEqual(
		all.map(([seq]) => seq),
		Array.from({ length: all.length }, (_, k) => (all[0]?.[0] ?? 0) + k),
		'every number, audit included',
	);
	const published = all.filter(([, line]) => !line.startsWith('audit\t'));
	t.deepEqual(
		published.map(([, line]) => line),
		sent,
		'the reference saw every event',
	);
	for (const [i, reader] of readers.entries()) {
		t.false(reader.lines.seen.includes('overflow'), `reader ${i} did not overflow`);
		t.deepEqual(numbered(reader.lines.seen), published, `reader ${i} got every event`);
	}

	stalled.socket.resume();
	const before = await stalled.lines.collectUntil('overflow');
	const got = numbered(before);
	t.true(got.length > 0 && got.length < published.length, `${got.length} events before the overflow`);
	t.deepEqual(got, published.slice(0, got.length), 'a prefix, in order');
	const last = got.at(-1)?.[0] ?? 0;
	stalled.send(`events.resume\t${last}`);
	const replay = await stalled.lines.collectUntil(/^events\.live\t/);
	const newest = all.at(-1)?.[0] ?? 0;
	t.is(replay.pop(), `events.live\t${newest}`);
	t.deepEqual(numbered(replay), published.slice(got.length), 'exactly the events it missed');
	t.is(stalled.lines.seen.filter(line => line === 'overflow').length, 1);
});

test('a client that reconnects resumes from its last number and gets exactly what it missed', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-S', path]);
	const keeper = await connect(t, path);
	const leaver = await connect(t, path);
	const { stream } = await seqOn(keeper);
	t.deepEqual(await keeper.command('events.subscribe\taudit'), []);
	await seqOn(leaver);
	await daemon.command('service.tags\tweb\tv1');
	const seen = await leaver.lines.waitFor(/^@\d+\tservice\.tags\tweb\tv1$/);
	const last = seqOf(seen) ?? 0;
	leaver.close();
	for (let i = 2; i <= 30; i++) await daemon.command(`service.tags\tweb\tv${i}`);
	await daemon.command('fd.pipe\tp.r\tp.w');
	await keeper.lines.waitFor(/^@\d+\tfd\.state\tp\.w\t/);
	const everything = numbered(keeper.lines.seen).filter(([seq]) => seq > last);
	const missed = everything.filter(([, line]) => !line.startsWith('audit\t'));
	t.is(missed.length, 31);
	const newest = everything.at(-1)?.[0] ?? 0;

	const back = await connect(t, path);
	back.send(`:r1\tevents.resume\t${last}\t${stream}`);
	const replay = await back.lines.collectUntil(':r1\tok');
	const tagged = replay.filter(line => line.startsWith(':r1\t')).map(line => body(line));
	t.deepEqual(tagged, [...missed.map(([seq, line]) => `@${seq}\t${line}`), `events.live\t${newest}`, 'ok']);
	// Live delivery continues numbered, right after the replay.
	await daemon.command('service.tags\tweb\tlive');
	t.is(await back.lines.waitFor(/^@\d+\tservice\.tags\tweb\tlive$/), `@${newest + 1}\tservice.tags\tweb\tlive`);
});

test('gaps: a number older than the ring, from the future, or from another stream', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-S', path, '--event-history', '4']);
	const client = await connect(t, path);
	const { newest: b } = await seqOn(client);
	t.deepEqual(await client.command('events.seq\toff'), ['events.seq\toff']);
	for (let i = 1; i <= 5; i++) await daemon.command(`service.tags\tweb\tv${i}`); // 10 numbers with the audits
	await client.command('echo\tsync');
	const gap = `events.gap\t${b + 7}\t${b + 10}`;
	t.deepEqual(await client.command(`events.resume\t${b + 5}`), [gap]);
	t.deepEqual(await client.command(`events.resume\t${b + 11}`), [gap]);
	t.deepEqual(await client.command(`events.resume\t${b + 8}\t0123456789abcdef`), [gap]);
	t.deepEqual(await client.command(`events.resume\t${b + 6}`), [
		`@${b + 7}\tservice.tags\tweb\tv4`,
		`@${b + 9}\tservice.tags\tweb\tv5`,
		`events.live\t${b + 10}`,
	]);
	t.deepEqual(await client.command(`events.resume\t${b + 10}`), [`events.live\t${b + 10}`]);
	t.deepEqual(await client.command('events.resume\t-1'), [
		'error\tinvalid sequence number, for command "events.resume\t-1"',
	]);
	t.deepEqual(await client.command('events.resume'), ['error\tinvalid sequence number, for command "events.resume"']);
});

test('subscriptions filter the stream; statedump ends with its number in seq mode', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl');
	const daemon = await startDaemon(t, ['-S', path]);
	const client = await connect(t, path);
	t.deepEqual(await client.command('events.unsubscribe\t*'), []);
	t.deepEqual(await client.command('events.subscribe\tservice.tags:keep*\tfd.state'), []);
	t.deepEqual(await client.command('events.subscribe\tbad pattern'), [
		'error\tinvalid pattern "bad pattern", for command "events.subscribe\tbad pattern"',
	]);
	t.deepEqual(await client.command('events.subscribe'), ['error\texpected pattern, for command "events.subscribe"']);
	await daemon.command('service.tags\tdrop\tx');
	await daemon.command('service.tags\tkeeper\ty');
	await daemon.command('fd.pipe\ta\tb');
	t.deepEqual(await client.command('echo\tsync'), [
		'service.tags\tkeeper\ty',
		'fd.state\ta\tpipe\tfrom\tb',
		'fd.state\tb\tpipe\tto\ta',
		'sync',
	]);

	// Without seq mode a dump has no terminator (1.1); with it, the dump's last line gives its number.
	const plain = await client.command('statedump');
	t.false(plain.some(line => line.startsWith('statedump.end')));
	const { newest } = await seqOn(client);
	const dump = await client.command('statedump');
	t.is(dump.at(-1), `statedump.end\t${newest}`);
	t.true(dump.includes('service.tags\tdrop\tx'), 'the dump is not filtered');
	t.deepEqual(await client.command(':d\tstatedump').then(lines => lines.slice(-2)), [
		`:d\tstatedump.end\t${newest}`,
		':d\tok',
	]);
	t.deepEqual(await client.command('events.seq\toff'), ['events.seq\toff']);
	t.deepEqual(await client.command('events.seq\tmaybe'), [
		'error\texpected on or off, for command "events.seq\tmaybe"',
	]);
	await daemon.command('service.tags\tkeep2\tz');
	t.is(await client.lines.waitFor(/keep2/), 'service.tags\tkeep2\tz', 'unnumbered again');
	t.deepEqual(await client.command('events.unsubscribe'), []);
	await daemon.command('service.tags\tkeep3\tz');
	t.false(
		(await client.command('echo\tx')).some(line => line.includes('keep3')),
		'no pattern, no events',
	);
});
