// Smoke test of the benchmarks (bench/): each scenario runs in --quick mode against daemonproxy
// alone (--no-peers: no pm2, no supervisord), so the scripts cannot rot. Checks that each exits 0
// with a measurement for every daemonproxy row and no verification failure, and that nothing it
// started outlives it (every process it started inherits the TMPDIR given to it here).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { pollUntil, processState, repoRoot, tempDir } from './helpers/daemon.js';

const SCENARIOS = [
	'restart-reaction',
	'spawn-throughput',
	'footprint',
	'round-trip',
	'fan-out',
	'scale',
	'output-capture',
] as const;
const SCENARIO_TIMEOUT_MS = 30_000;

interface Row {
	measure: string;
	subject: string;
	summary: { n: number; median: number } | null;
}

interface Result {
	scenario: string;
	rows: Row[];
	failures: string[];
}

/** Pids of live processes whose environment holds `TMPDIR=dir` (what a scenario left behind). */
function processesWithTmpdir(dir: string): number[] {
	const needle = Buffer.from(`TMPDIR=${dir}\0`);
	const found: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		let environ: Buffer;
		try {
			environ = readFileSync(`/proc/${entry}/environ`);
		} catch {
			continue;
		}
		const state = processState(Number(entry));
		if (state !== 'Z' && state !== 'gone' && environ.includes(needle)) found.push(Number(entry));
	}
	return found;
}

function runBench(script: string, args: string[], tmp: string) {
	return execa(process.execPath, [join(repoRoot, 'bench', script), ...args], {
		cwd: repoRoot,
		env: { TMPDIR: tmp },
		reject: false,
		timeout: SCENARIO_TIMEOUT_MS,
		killSignal: 'SIGTERM', // the scripts stop what they started on SIGTERM
	});
}

for (const scenario of SCENARIOS) {
	test.serial(`bench/${scenario}.js --quick --no-peers measures daemonproxy and cleans up`, async t => {
		const tmp = await tempDir(t);
		const json = join(tmp, 'result.json');
		const run = await runBench(`${scenario}.js`, ['--quick', '--no-peers', '--json', json], tmp);
		t.is(run.exitCode, 0, `${run.stdout}\n${run.stderr}`);
		const result = JSON.parse(readFileSync(json, 'utf8')) as Result;
		const ours = result.rows.filter(row => row.subject === 'daemonproxy');
		t.true(ours.length > 0, 'no daemonproxy measurement');
		for (const row of ours) {
			t.truthy(row.summary, `no figure for "${row.measure}"`);
			t.true(
				Number.isFinite(row.summary?.median) && (row.summary?.median ?? 0) > 0,
				`"${row.measure}": ${JSON.stringify(row.summary)}`,
			);
		}
		t.deepEqual(result.failures, []);
		t.false(
			result.rows.some(row => row.subject === 'pm2' || row.subject === 'supervisord'),
			'--no-peers ran a peer',
		);
		// A process killed as the script ended may still be on its way out (reparented, then
		// reaped by init): allow it a moment, but nothing may stay.
		const left = await pollUntil(
			() => {
				const running = processesWithTmpdir(tmp);
				return running.length === 0 ? running : undefined;
			},
			() => `processes left running: ${JSON.stringify(processesWithTmpdir(tmp))}`,
		).catch(() => processesWithTmpdir(tmp));
		t.deepEqual(left, [], 'processes left running');
	});
}

test.serial('bench/run-all.js runs the scenarios and prints the summary table', async t => {
	const tmp = await tempDir(t);
	const run = await runBench('run-all.js', ['--quick', '--no-peers', '--only', 'scale'], tmp);
	t.is(run.exitCode, 0, `${run.stdout}\n${run.stderr}`);
	t.regex(run.stdout, /\| scenario \| measure \| daemonproxy \| pm2 \| supervisord \|/);
	t.regex(run.stdout, /\| scale \| snapshot, \d+ defined/);
	t.deepEqual(processesWithTmpdir(tmp), []);
});
