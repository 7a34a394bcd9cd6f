#!/usr/bin/env node
// Runs every scenario in turn (each in its own process, so one's peers and memory never affect
// the next), then prints one Markdown results table with the machine, its load and Node's
// version. Options are passed on to the scenarios (--quick, --no-peers, --peers, --runs), plus:
//   --only a,b        run only these scenarios (file names without .js)
//   --update-readme   replace the results section of bench/README.md with this run's table

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from './lib/stats.js';

const here = fileURLToPath(new URL('.', import.meta.url));
export const SCENARIOS = [
	'restart-reaction',
	'spawn-throughput',
	'footprint',
	'round-trip',
	'fan-out',
	'scale',
	'output-capture',
];
const FLOORS = new Set(['sh loop (floor)', 'node line server (floor)', 'bare node']);

const argv = process.argv.slice(2);
let only = null;
let updateReadme = false;
const passOn = [];
for (let i = 0; i < argv.length; i++) {
	if (argv[i] === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
	else if (argv[i] === '--update-readme') updateReadme = true;
	else passOn.push(/** @type {string} */ (argv[i]));
}
const scenarios = only ?? SCENARIOS;
for (const name of scenarios) {
	if (!SCENARIOS.includes(name)) {
		process.stderr.write(`run-all: unknown scenario "${name}" (known: ${SCENARIOS.join(', ')})\n`);
		process.exit(2);
	}
}

function runNode(args) {
	return new Promise(resolve => {
		const child = spawn(process.execPath, args, { stdio: 'inherit' });
		for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => child.kill(signal));
		child.on('close', code => resolve(code ?? 1));
	});
}

const load = () =>
	loadavg()
		.map(v => v.toFixed(2))
		.join(' ');
const startedAt = new Date();
const loadBefore = load();
const work = mkdtempSync(join(tmpdir(), 'dpb-all-'));
const results = [];
let failed = 0;
for (const name of scenarios) {
	const json = join(work, `${name}.json`);
	const code = await runNode([join(here, `${name}.js`), ...passOn, '--json', json]);
	if (code !== 0) failed++;
	if (existsSync(json)) results.push(JSON.parse(readFileSync(json, 'utf8')));
	else process.stdout.write(`run-all: ${name} produced no results (exit ${code})\n`);
}
rmSync(work, { recursive: true, force: true });
const loadAfter = load();

/** "median (range)" of a row, or its skip reason. */
function cell(row, ref) {
	if (!row) return '';
	if (!row.summary) return `skipped: ${row.note ?? ''}`;
	const value = format(row.summary.median, row.unit);
	const ratio = ref?.summary && ref !== row ? ` (${(row.summary.median / ref.summary.median).toFixed(2)}×)` : '';
	return `${value}${ratio}`;
}

const table = [
	'| scenario | measure | daemonproxy | pm2 | supervisord | in-run floor | target |',
	'| --- | --- | --- | --- | --- | --- | --- |',
];
for (const result of results) {
	const measures = [...new Set(result.rows.map(r => r.measure))];
	for (const measure of measures) {
		const rows = result.rows.filter(r => r.measure === measure);
		const refName = result.references?.[measure] ?? 'daemonproxy';
		const ref = rows.find(r => r.subject === refName && r.summary) ?? rows.find(r => r.subject === 'daemonproxy');
		const of = subject =>
			cell(
				rows.find(r => r.subject === subject),
				ref,
			);
		const floor = rows.find(r => FLOORS.has(r.subject));
		const target = result.targets
			.filter(t => t.measure === measure)
			.map(
				t =>
					`${t.met === null ? 'not measured' : t.met ? '**met**' : '**missed**'}: ${t.text.replace(/^daemonproxy /, '')}`,
			)
			.join('; ');
		table.push(
			`| ${result.scenario} | ${measure} | ${of('daemonproxy')} | ${of('pm2')} | ${of('supervisord')} | ` +
				`${floor ? `${floor.subject.replace(/ \(floor\)$/, '')}: ${cell(floor, ref)}` : ''} | ${target} |`,
		);
	}
}
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const peers = [...new Set(results.flatMap(r => r.notes.filter(n => /pm2 \d|supervisord \d/.test(n))))].join('; ');
const header = [
	`Run ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: \`node bench/run-all.js ${argv.join(' ')}\`.`.replace(
		' `.',
		'`.',
	),
	`Machine: ${cpus().length} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory (${(freemem() / 2 ** 30).toFixed(1)} GiB free), ` +
		`Node ${process.version}, ${process.platform} ${process.arch}. Load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`,
	...(peers ? [`Peers: ${peers}.`] : []),
	'Figures are medians; in brackets, the ratio to daemonproxy (idle RSS: to bare node).',
];
const markdown = `${header.join('\n')}\n\n${table.join('\n')}\n`;
const failures = results.flatMap(r => r.failures.map(f => `- ${r.scenario}: ${f}`));
process.stdout.write(
	`\n== summary ==\n\n${markdown}${failures.length > 0 ? `\nVerification failures:\n${failures.join('\n')}\n` : ''}`,
);

if (updateReadme) {
	const readme = join(here, 'README.md');
	const text = readFileSync(readme, 'utf8');
	const start = '<!-- results:start -->';
	const end = '<!-- results:end -->';
	const a = text.indexOf(start);
	const b = text.indexOf(end);
	if (a === -1 || b === -1) process.stderr.write('run-all: README.md has no results markers; not updated\n');
	else writeFileSync(readme, `${text.slice(0, a + start.length)}\n${markdown}${text.slice(b)}`);
}
process.exitCode = failed > 0 ? 1 : 0;
