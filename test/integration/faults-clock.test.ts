// Wall-clock jumps change nothing (spec §9.2, design §5). The argument: every timer and timestamp
// of the daemon is on CLOCK_MONOTONIC (process.hrtime, performance.now, libuv's loop clock), so a
// change of CLOCK_REALTIME cannot move a restart. The source is checked for any use of the wall
// clock; and with libfaketime (Debian package `faketime`; skipped without it) the daemon's
// CLOCK_REALTIME is moved a year forward and two back while a service restarts and a delayed start
// is pending — we never change the machine's clock (it is not namespaced; time namespaces move
// only the monotonic clocks, exactly the ones we rely on).

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { monotonicSeconds, repoRoot, startDaemon, tempDir } from './helpers/daemon.js';

const FAKETIME_LIBRARIES = [
	'/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
	'/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1',
	'/usr/lib/faketime/libfaketimeMT.so.1',
	'/usr/local/lib/faketime/libfaketimeMT.so.1',
];

function sources(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return sources(path);
		return entry.name.endsWith('.ts') ? [path] : [];
	});
}

test("the daemon's code never reads the wall clock (but through sys.wallClockMs, for stamps people read)", t => {
	const offenders: string[] = [];
	const wallClock = join(repoRoot, 'src/os/sys.ts');
	for (const part of ['src/daemon', 'src/server', 'src/supervisor', 'src/os']) {
		for (const file of sources(join(repoRoot, part))) {
			readFileSync(file, 'utf8')
				.split('\n')
				.forEach((line, i) => {
					const code = line.replace(/\/\/.*$/, '');
					// `new Date(ms)` formats a time it is given; a read is Date.now, new Date() or Date().
					const reads = /\bDate\.now\b|\bnew Date\s*(?!\(\s*[^\s)])|(?<!new )\bDate\s*\(/.test(code);
					if (reads && !(file === wallClock && code.trim() === 'return Date.now();'))
						offenders.push(`${file}:${i + 1}: ${line.trim()}`);
				});
		}
	}
	t.deepEqual(offenders, []);
	t.regex(readFileSync(wallClock, 'utf8'), /export function wallClockMs\(\): number \{\n\treturn Date\.now\(\);\n\}/);
	// The wire clock (timestamps, timers) is sys.monotonicMs, which reads CLOCK_MONOTONIC.
	t.regex(
		readFileSync(join(repoRoot, 'src/daemon/system-ports.ts'), 'utf8'),
		/export const systemClock: Clock = \{\n\tnow: sys\.monotonicMs,/,
	);
	t.regex(
		readFileSync(join(repoRoot, 'src/os/sys.ts'), 'utf8'),
		/function monotonicMs\(\): number \{\n\treturn Number\(process\.hrtime\.bigint\(\)\) \/ 1e6;/,
	);
});

const library = FAKETIME_LIBRARIES.find(path => existsSync(path));

(library ? test : test.skip)('wall-clock jumps (libfaketime) move no restart and no delayed start', async t => {
	const dir = await tempDir(t);
	const clockFile = join(dir, 'faketime');
	writeFileSync(clockFile, '+0\n');
	const d = await startDaemon(t, [], {
		env: {
			LD_PRELOAD: library ?? '',
			FAKETIME_TIMESTAMP_FILE: clockFile,
			FAKETIME_NO_CACHE: '1',
			FAKETIME_DONT_FAKE_MONOTONIC: '1',
		},
	});
	const years = join(dir, 'years');
	// The service sees the daemon's (faked) wall clock: it records the year at every start.
	d.send(`service.args\tloop\t/bin/sh\t-c\tdate +%Y >> ${years}; exit 1`);
	d.send('service.auto_up\tloop\t2\talways');
	d.send('service.args\tlater\t/bin/true');
	const ups: number[] = [];
	const upAt = async (): Promise<void> => {
		await d.stdout.waitFor(/^service\.state\tloop\tup\t/);
		ups.push(performance.now());
	};
	await upAt();
	const due = monotonicSeconds() + 4;
	d.send(`service.start\tlater\t${due}`);
	writeFileSync(clockFile, '+365d\n');
	await upAt();
	writeFileSync(clockFile, '-730d\n');
	await upAt();
	await upAt();
	// Read from everything received: the waits above consumed the lines they passed over.
	const laterUp = await d.stdout.find(line => line.startsWith('service.state\tlater\tup\t'));
	const startedAt = Number(laterUp.split('\t')[3]);
	const gaps = ups.slice(1).map((time, i) => Math.round(time - (ups[i] ?? 0)));
	const recorded = readFileSync(years, 'latin1').trim().split('\n').map(Number);
	t.log(
		`restart gaps ${gaps.join(', ')} ms; years seen by the service: ${recorded.join(', ')}; delayed start at ${startedAt} (due ${due})`,
	);
	t.true(new Set(recorded).size >= 2, 'the wall clock really jumped for the daemon and its children');
	for (const gap of gaps) t.true(gap >= 1850 && gap <= 3500, `restart gap ${gap} ms (interval 2 s)`);
	t.true(startedAt >= due && startedAt <= due + 1, `delayed start at ${startedAt}, due at ${due}`);
});
