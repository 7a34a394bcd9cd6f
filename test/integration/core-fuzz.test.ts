// Seeded random and mutated command lines thrown at -i (style.md: no line, however broken, crashes
// the daemon): afterwards echo still answers, a service started before is still up with the same
// pid, and no command hit the dispatcher's "internal error" path (no reply says so, no log line
// says "threw"). The PRNG is deterministic, so a failure replays with the seed in the test title.
// Verbs that end the session or the daemon, and anything that could reach files outside the
// test's folder, are left out (see `safe`). The seeds, and every line that once failed, are kept
// in test/fixtures/fuzz-regressions.json and replayed every run over stdin, a socket and -c.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { fixture, processGone, SocketClient, startDaemon, tempDir } from './helpers/daemon.js';

interface Regressions {
	seeds: Record<string, number[]>;
	lines: string[];
}

const REGRESSIONS = JSON.parse(readFileSync(fixture('fuzz-regressions.json'), 'utf8')) as Regressions;
const SEEDS = REGRESSIONS.seeds['core-fuzz'] ?? [];
const LINES = 4000;
/** Lines of each seed after the first: together they keep the test within seconds. */
const MORE_LINES = 1000;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let x = a;
		x = Math.imul(x ^ (x >>> 15), x | 1);
		x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
		return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
	};
}

const SERVICES = ['s0', 's1', 's2', 'web', 'a.b', 'x-y'];
const HANDLES = ['h0', 'h1', 'p.r', 'p.w', 'null', 'stdin', 'stdout', 'stderr', 'control.cmd', '-'];
const SIGNALS = ['HUP', 'SIGTERM', 'KILL', 'USR1', '0', '15', '65535', '65536', 'FOO', ''];

// Valid-looking lines of every verb that leaves the session and the daemon running.
const TEMPLATES: ReadonlyArray<(pick: <T>(items: readonly T[]) => T, int: () => string) => string> = [
	pick => `echo\t${pick(['x', '', '\t', 'a\tb'])}`,
	() => 'statedump',
	pick => `service.args\t${pick(SERVICES)}\t${pick(['true', 'false', 'sleep', 'nosuchprog'])}\t${pick(['0', '', '1'])}`,
	pick => `service.tags\t${pick(SERVICES)}\t${pick(['t=1', '', 'a\tb'])}`,
	pick => `service.fds\t${pick(SERVICES)}\t${pick(HANDLES)}\t${pick(HANDLES)}\t${pick(HANDLES)}`,
	(pick, int) =>
		`service.auto_up\t${pick(SERVICES)}\t${pick([int(), '-', '0', 'x'])}\t${pick(['always', 'HUP', 'SIGUSR2', '', 'bogus'])}`,
	(pick, int) => `service.start\t${pick(SERVICES)}${pick(['', '\t-', `\t${int()}`, '\t'])}`,
	pick => `service.signal\t${pick(SERVICES)}\t${pick(SIGNALS)}${pick(['', '\tgroup', '\tgroup,', '\tx'])}`,
	pick => `service.delete\t${pick(SERVICES)}`,
	pick =>
		`fd.pipe\t${pick(HANDLES)}\t${pick(HANDLES)}${pick(['', '\tnonblock', '\tdgram', '\tbogus', '\tunix,seqpacket'])}`,
	pick =>
		`fd.open\t${pick(HANDLES)}\t${pick(['read', 'write,create', 'write,create,trunc,mkdir', 'append', 'truncate', ''])}\t${pick(['f1', 'd/f2', '', 'f3'])}`,
	pick => `fd.delete\t${pick(HANDLES)}`,
	pick => `log.filter${pick(['', '\t+', '\t-', '\tnone', '\tfatal', '\twarn'])}`,
	pick => `log.dest\tfd\t${pick(HANDLES)}`,
	(pick, int) => `signal.clear\t${pick(SIGNALS)}\t${pick([int(), '-1', 'x'])}`,
	pick => `socket.create\t${pick(['', '-', 'x'])}\t${pick(['s.sock', ''])}`,
	pick => `terminate.exec_args${pick(['', '\t', '\ttrue', '\ttrue\tx\0y', '\t\0', '\tsleep\t1'])}`,
	pick => `service.args\t${pick(SERVICES)}\t${pick(['true', 'tr\0ue', 'sleep'])}\t${pick(['1', 'a\0b', '\0'])}`,
	pick =>
		`fd.socket\t${pick(HANDLES)}\t${pick(['inet6', 'inet', 'udp', 'mkdir'])}\t${pick(['*:0', '[::1\0]:0', '[\0]', '1.2\0:0'])}`,
	() => 'socket.delete',
	pick => pick(['# comment', '', ' ', '\t\r', 'bogus', ' echo\tx', '__proto__', 'constructor\tx']),
];

/** Verbs (and verb-like first fields) never sent: they end the session or the daemon, or change cwd. */
const UNSAFE_VERBS = new Set(['exit', 'terminate', 'terminate.guard', 'chdir', 'conn.event_timeout']);

function safe(line: string): boolean {
	const verb = line.split('\t')[0] ?? '';
	// No '/' and no '..': every path stays inside the daemon's working directory (a temp folder).
	return (
		!UNSAFE_VERBS.has(verb) &&
		!line.includes('/') &&
		!line.includes('..') &&
		!line.includes('keeper') &&
		!line.includes('\n')
	);
}

function generate(seed: number, count: number): string[] {
	const random = prng(seed);
	const below = (n: number): number => Math.floor(random() * n);
	const pick = <T>(items: readonly T[]): T => items[below(items.length)] as T;
	const int = (): string => pick(['1', '2', '0', '-5', '99999999999999999999', String(below(100_000))]);
	const byte = (): string => String.fromCharCode(pick([below(256), 9, 9, 0, 13, 32, 0x7f, 0xff]));
	const lines: string[] = [];
	while (lines.length < count) {
		let line = pick(TEMPLATES)(pick, int);
		const mutations = below(4);
		for (let m = 0; m < mutations; m++) {
			const at = below(line.length + 1);
			switch (below(6)) {
				case 0:
					line = line.slice(0, at) + byte() + line.slice(at + 1);
					break;
				case 1:
					line = line.slice(0, at) + byte() + line.slice(at);
					break;
				case 2:
					line = line.slice(0, at) + line.slice(at + 1 + below(8));
					break;
				case 3:
					line = `${line}\t${pick(TEMPLATES)(pick, int)}`;
					break;
				case 4:
					line = line.slice(0, at);
					break;
				default:
					line = line.slice(0, at) + '\t'.repeat(below(3)) + line.slice(at);
					break;
			}
		}
		if (below(50) === 0) line += 'z'.repeat(1000 + below(2000)); // over the 1023-byte limit, mostly
		if (below(20) === 0) line = Array.from({ length: below(40) }, byte).join('');
		line = line.replaceAll('\n', '');
		if (safe(line)) lines.push(line);
	}
	return lines;
}

/** No command reached the dispatcher's "internal error" path: no reply, no log line says so. */
function assertNoInternalError(t: ExecutionContext, replies: readonly string[], log: readonly string[]): void {
	t.deepEqual(
		replies.filter(line => line.includes('internal error')),
		[],
	);
	t.deepEqual(
		log.filter(line => / threw: |internal error/.test(line)),
		[],
	);
}

const seedList = SEEDS.map(seed => `0x${seed.toString(16)}`).join(', ');

test(`seeded random and mutated lines (seeds ${seedList}) leave the daemon answering`, async t => {
	t.timeout(45_000);
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	await d.command(`service.args\tkeeper\t${fixture('sleep-forever.sh')}`);
	d.send('service.start\tkeeper');
	const up = await d.stdout.waitFor(/^service\.state\tkeeper\tup\t/);
	const pid = Number(up.split('\t')[4]);

	const lines = SEEDS.flatMap((seed, i) => generate(seed, i === 0 ? LINES : MORE_LINES));
	d.sendRaw(Buffer.from(lines.map(line => `${line}\n`).join(''), 'latin1'));
	// Everything the lines produced comes first (their echoes, errors, events), then our echo.
	const replies = await d.command('echo\tstill answering', 30_000);
	t.is(replies.at(-1), 'still answering');
	t.is((await d.command('echo\tand again')).at(-1), 'and again'); // services the lines set up may still restart
	const dump = await d.command('statedump');
	t.true(
		dump.some(line => line.startsWith(`service.state\tkeeper\tup\t${up.split('\t')[3]}\t${pid}\t`)),
		'keeper is not up with its pid',
	);
	t.false(processGone(pid));
	assertNoInternalError(t, d.stdout.seen, d.stderr.seen);
});

// The kept failures, then the first seed's stream, over each of the three ways in.
const replayed = (): string[] => [...REGRESSIONS.lines, ...generate(SEEDS[0] ?? 1, MORE_LINES)];

test('the regression inputs over stdin: error lines, no internal error, still answering', async t => {
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	d.sendRaw(
		Buffer.from(
			replayed()
				.map(line => `${line}\n`)
				.join(''),
			'latin1',
		),
	);
	t.is((await d.command('echo\tstill answering', 30_000)).at(-1), 'still answering');
	assertNoInternalError(t, d.stdout.seen, d.stderr.seen);
});

test('the regression inputs over a socket: error lines, no internal error, still answering', async t => {
	const dir = await tempDir(t);
	const sock = join(dir, 'ctl.sock');
	const d = await startDaemon(t, ['-S', sock], { cwd: dir });
	const client = await SocketClient.connect(sock);
	t.teardown(() => client.close());
	client.sendRaw(
		Buffer.from(
			replayed()
				.map(line => `${line}\n`)
				.join(''),
			'latin1',
		),
	);
	t.is((await client.command('echo\tstill answering', 30_000)).at(-1), 'still answering');
	t.is((await d.command('echo\tand here')).at(-1), 'and here');
	assertNoInternalError(t, client.lines.seen, d.stderr.seen);
});

test('the regression inputs in a config file (-c): logged errors, no internal error, the file read to its end', async t => {
	const dir = await tempDir(t);
	const config = join(dir, 'fuzz.conf');
	// The last line announces the end of the file to the -i session.
	writeFileSync(config, Buffer.from([...replayed(), 'service.tags\tconfig-read\tdone', ''].join('\n'), 'latin1'));
	const d = await startDaemon(t, ['-c', config], { cwd: dir });
	await d.stdout.waitFor('service.tags\tconfig-read\tdone', 30_000);
	t.is((await d.command('echo\tstill answering')).at(-1), 'still answering');
	t.true(
		d.stderr.seen.some(line => line.startsWith('error: ')),
		"the config file's errors are logged",
	);
	assertNoInternalError(t, d.stdout.seen, d.stderr.seen);
});
