// Benchmark: the wall time of one fresh `dpctl` call against a live daemon, as a ratio to
// `node -e 0` (target ≤ 1.5×: dpctl must load lazily) and to socat sending the same line to the
// same socket. Runs are interleaved so machine noise hits all three alike; medians are reported.
// Usage: node build/bench/dpctl-startup.js [ROUNDS]   (after npm run build; needs socat)

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rounds = Number(process.argv[2] ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'dpbench-'));
const socket = join(dir, 'sock');

// The daemon turns SIGTERM into an event (daemonproxy(8), SIGNALS): only SIGKILL ends it.
const daemon = spawn(process.execPath, [join(root, 'bin', 'daemonproxy.cjs'), '-S', socket], { stdio: 'ignore' });
daemon.unref();
process.on('exit', () => {
	daemon.kill('SIGKILL');
	rmSync(dir, { recursive: true, force: true });
});
for (let i = 0; i < 500; i++) {
	try {
		if (statSync(socket).isSocket()) break;
	} catch {
		/* not yet */
	}
	spawnSync('sleep', ['0.01']);
}

type Case = { name: string; argv: string[]; input?: string };
const cases: Case[] = [
	{ name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
	{ name: 'dpctl echo x', argv: [process.execPath, join(root, 'bin', 'dpctl.js'), '-S', socket, 'echo', 'x'] },
	{ name: 'dpctl status', argv: [process.execPath, join(root, 'bin', 'dpctl.js'), '-S', socket, 'status'] },
	{ name: 'socat echo x', argv: ['socat', '-t', '5', '-', `UNIX-CONNECT:${socket}`], input: 'echo\tx\n' },
];

function once(c: Case): number {
	const start = performance.now();
	const result = spawnSync(c.argv[0] ?? '', c.argv.slice(1), { input: c.input ?? '', encoding: 'latin1' });
	const ms = performance.now() - start;
	if (result.status !== 0) throw new Error(`${c.name}: exit ${String(result.status)}: ${result.stderr}`);
	if (c.name.endsWith('echo x') && result.stdout !== 'x\n')
		throw new Error(`${c.name}: printed ${JSON.stringify(result.stdout)}`);
	return ms;
}

const times = new Map<string, number[]>(cases.map(c => [c.name, []]));
for (const c of cases) once(c); // warm the file cache
for (let r = 0; r < rounds; r++) for (const c of cases) times.get(c.name)?.push(once(c));

const median = (xs: number[]): number => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 === 1 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const m = (name: string): number => median(times.get(name) ?? []);
const node = m('node -e 0');
const socat = m('socat echo x');
for (const c of cases) {
	const t = m(c.name);
	console.log(
		`${c.name.padEnd(14)} median ${t.toFixed(1).padStart(6)} ms  ${(t / node).toFixed(2)}× node  ${(t / socat).toFixed(1)}× socat`,
	);
}
const ratio = m('dpctl echo x') / node;
console.log(
	`dpctl-startup: dpctl/node ${ratio.toFixed(2)} (target ≤ 1.50) ${ratio <= 1.5 ? 'ok' : 'OVER'}; dpctl/socat ${(m('dpctl echo x') / socat).toFixed(1)}; ${rounds} rounds`,
);
