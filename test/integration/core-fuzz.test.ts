// Seeded random and mutated command lines thrown at -i (style.md: no line, however broken, crashes
// the daemon): afterwards echo still answers, a service started before is still up with the same
// pid, and no command hit the dispatcher's "internal error" path. The PRNG is deterministic, so a
// failure replays with the seed in the test title. Verbs that end the session or the daemon, and
// anything that could reach files outside the test's folder, are left out (see `safe`).

import test from 'ava';
import { fixture, processGone, startDaemon, tempDir } from './helpers/daemon.js';

const SEED = 0x5eed_2002;
const LINES = 4000;

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
	() => 'socket.delete',
	pick => pick(['# comment', '', ' ', '\t\r', 'bogus', ' echo\tx', '__proto__', 'constructor\tx']),
];

/** Verbs (and verb-like first fields) never sent: they end the session or the daemon, or change cwd. */
const UNSAFE_VERBS = new Set([
	'exit',
	'terminate',
	'terminate.guard',
	'terminate.exec_args',
	'chdir',
	'conn.event_timeout',
]);

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

test(`${LINES} seeded random and mutated lines (seed 0x${SEED.toString(16)}) leave the daemon answering`, async t => {
	t.timeout(45_000);
	const dir = await tempDir(t);
	const d = await startDaemon(t, [], { cwd: dir });
	await d.command(`service.args\tkeeper\t${fixture('sleep-forever.sh')}`);
	d.send('service.start\tkeeper');
	const up = await d.stdout.waitFor(/^service\.state\tkeeper\tup\t/);
	const pid = Number(up.split('\t')[4]);

	const lines = generate(SEED, LINES);
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
	t.deepEqual(
		d.stdout.seen.filter(line => line.includes('internal error')),
		[],
	);
	t.deepEqual(
		d.stderr.seen.filter(line => / threw: /.test(line)),
		[],
	);
});
