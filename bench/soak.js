#!/usr/bin/env node
// Soak: daemonproxy under steady churn for a few minutes — services crash-looping and restarting,
// a pipe between a writer and a reader service, controllers connecting, reading, commanding and
// leaving, a stream of events to long-lived watchers — while its RSS, open descriptors and
// responsiveness (echo round trip through the loop, a proxy for event-loop delay) are sampled.
// Each series is fitted with least squares after a warm-up; the slope per minute is printed with
// ±2 standard errors, and called rising only when even its lower bound is above a tolerance.
//
//   node bench/soak.js [--quick] [--duration SECONDS] [--sample-ms MS] [--json FILE] [--strict]
//
// --quick: 20 s, a smoke test: V8 sizes its heap during the first minute or two, so only runs of
// at least MIN_JUDGED_S seconds get a verdict. Default: 300 s. --strict: exit 1 if any series is
// rising (for CI). Under this load the JS heap after a full GC stays at ~7 MB (check with
// DAEMONPROXY_BENCH_NODE_ARGS=--trace-gc); RSS settles after ~90 s and then creeps by a few
// hundred KiB a minute at most (allocator, code space), below the tolerance.

import {readdirSync, writeFileSync} from 'node:fs';
import {startDaemonproxy} from './lib/daemonproxy.js';
import {tempDir} from './lib/paths.js';
import {rssBytes, sleep, stopAll} from './lib/procs.js';

/** Fraction of the run discarded before fitting: JIT, heap sizing, first restarts. */
const WARM_UP = 1 / 3;
/** Shorter runs are fitted and printed, but not judged. */
const MIN_JUDGED_S = 120;
/** Per-minute slopes below these are "flat" even when statistically clear (noise floor). */
const TOLERANCE_PER_MINUTE = {rssKiB: 1024, fds: 0.5, echoMs: 0.5};
const CRASH_LOOPS = 6;
const TICKS_PER_SECOND = 100;
const CHURN_INTERVAL_MS = 150;

function parse(argv) {
	const options = {durationS: 300, sampleMs: 500, json: null, strict: false};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const value = () => {
			const next = argv[++i];
			if (next === undefined) usage(`${arg} needs a value`);
			return next;
		};
		if (arg === '--quick') options.durationS = 20;
		else if (arg === '--duration') options.durationS = Number(value());
		else if (arg === '--sample-ms') options.sampleMs = Number(value());
		else if (arg === '--json') options.json = value();
		else if (arg === '--strict') options.strict = true;
		else if (arg === '-h' || arg === '--help') usage(null);
		else usage(`unknown option "${arg}"`);
	}
	if (!(options.durationS >= 5)) usage('--duration needs at least 5 seconds');
	if (!(options.sampleMs >= 50)) usage('--sample-ms needs at least 50');
	return options;
}

function usage(error) {
	const text = 'usage: node bench/soak.js [--quick] [--duration SECONDS] [--sample-ms MS] [--json FILE] [--strict]\n';
	if (error === null) {
		process.stdout.write(text);
		process.exit(0);
	}
	process.stderr.write(`soak: ${error}\n${text}`);
	process.exit(2);
}

/** Least squares y = a + b·x: slope b, its standard error, and the mean of y. */
export function fit(xs, ys) {
	const n = xs.length;
	const mx = xs.reduce((s, x) => s + x, 0) / n;
	const my = ys.reduce((s, y) => s + y, 0) / n;
	let sxx = 0;
	let sxy = 0;
	for (let i = 0; i < n; i++) {
		sxx += (xs[i] - mx) ** 2;
		sxy += (xs[i] - mx) * (ys[i] - my);
	}
	const slope = sxx === 0 ? 0 : sxy / sxx;
	let residual = 0;
	for (let i = 0; i < n; i++) residual += (ys[i] - (my + slope * (xs[i] - mx))) ** 2;
	const stderr = n > 2 && sxx > 0 ? Math.sqrt(residual / (n - 2) / sxx) : Infinity;
	return {slope, stderr, mean: my};
}

const fdCount = (pid) => readdirSync(`/proc/${pid}/fd`).length;

async function main() {
	const options = parse(process.argv.slice(2));
	const dir = tempDir('dps-');
	const daemon = await startDaemonproxy(dir, {args: ['--max-controllers', '64']});
	const setup = [
		'fd.pipe\tchain.r\tchain.w',
		'service.args\twriter\t/bin/sh\t-c\twhile :; do echo tick; sleep 0.05; done',
		'service.fds\twriter\tnull\tchain.w\tnull',
		'service.auto_up\twriter\t1\talways',
		'service.args\treader\t/bin/cat',
		'service.fds\treader\tchain.r\tnull\tnull',
		'service.auto_up\treader\t1\talways',
	];
	for (let i = 0; i < CRASH_LOOPS; i++) {
		setup.push(`service.args\tcrash${i}\t/bin/sh\t-c\tsleep 0.${2 + i}; exit ${i + 1}`, `service.auto_up\tcrash${i}\t1\talways`);
	}
	await daemon.client.command(setup);

	const stats = {connections: 0, commands: 0, watcherEvents: 0, restarts: 0};
	let running = true;
	const tasks = [];

	// Two long-lived watchers read every event.
	for (let w = 0; w < 2; w++) {
		const watcher = await daemon.connect();
		watcher.handler = (line) => {
			stats.watcherEvents++;
			if (/^service\.state\tcrash\d+\tup\t/.test(line)) stats.restarts++;
		};
		tasks.push((async () => {
			while (running) await sleep(100);
			watcher.close();
		})());
	}

	// A ticker: a steady stream of state changes (events to everyone).
	tasks.push((async () => {
		const ticker = await daemon.connect();
		ticker.handler = () => {};
		let n = 0;
		while (running) {
			const batch = [];
			for (let i = 0; i < TICKS_PER_SECOND / 10; i++) batch.push(`service.tags\tticker\t${n++}`);
			await ticker.write(`${batch.join('\n')}\n`);
			stats.commands += batch.length;
			await sleep(100);
		}
		ticker.close();
	})());

	// Churn: controllers that connect, dump, command, subscribe and leave, several at a time.
	for (let c = 0; c < 3; c++) {
		tasks.push((async () => {
			while (running) {
				const client = await daemon.connect();
				stats.connections++;
				try {
					await client.command(['statedump', 'events.subscribe\tservice.state:crash*', `service.tags\tchurn${c}\t${stats.connections}`, 'conn.whoami'], 10_000);
					stats.commands += 4;
				} catch {
					// a slow moment: the next connection tries again
				}
				client.close();
				await sleep(CHURN_INTERVAL_MS);
			}
		})());
	}

	// The sampler: its own connection; echo round trip measured through the daemon's loop.
	const probe = await daemon.connect();
	const samples = [];
	const started = performance.now();
	while (performance.now() - started < options.durationS * 1000) {
		const t0 = performance.now();
		await probe.command([], 10_000);
		const echoMs = performance.now() - t0;
		samples.push({t: (performance.now() - started) / 1000, rssKiB: rssBytes(daemon.pid) / 1024, fds: fdCount(daemon.pid), echoMs});
		await sleep(options.sampleMs);
	}
	running = false;
	probe.close();
	await Promise.allSettled(tasks);
	await daemon.stop();

	const kept = samples.filter((sample) => sample.t >= options.durationS * WARM_UP);
	const minutes = kept.map((sample) => sample.t / 60);
	const results = {};
	let rising = false;
	const judged = options.durationS >= MIN_JUDGED_S;
	const lines = [`soak: ${options.durationS} s, ${samples.length} samples (${kept.length} after a ${Math.round(WARM_UP * 100)}% warm-up); `
		+ `${stats.connections} controller connections, ${stats.commands} commands, ${stats.restarts} crash-loop restarts, ${stats.watcherEvents} events to watchers`];
	for (const [key, unit, label] of [['rssKiB', 'KiB', 'RSS'], ['fds', 'fds', 'open fds'], ['echoMs', 'ms', 'echo round trip']]) {
		const {slope, stderr, mean} = fit(minutes, kept.map((sample) => sample[key]));
		const tolerance = TOLERANCE_PER_MINUTE[key];
		const verdict = !judged ? `not judged (runs of ${MIN_JUDGED_S} s or more are)` : slope - 2 * stderr > tolerance ? 'RISING' : 'no upward slope';
		if (verdict === 'RISING') rising = true;
		results[key] = {slopePerMinute: slope, stderr, mean, tolerancePerMinute: tolerance, verdict};
		lines.push(`  ${label.padEnd(16)} mean ${mean.toFixed(2).padStart(10)} ${unit.padEnd(4)} slope ${slope >= 0 ? '+' : ''}${slope.toFixed(3)} ±${(2 * stderr).toFixed(3)} ${unit}/min  → ${verdict}`);
	}
	process.stdout.write(`${lines.join('\n')}\n`);
	if (options.json) writeFileSync(options.json, `${JSON.stringify({scenario: 'soak', options, stats, results, samples}, null, 1)}\n`);
	if (options.strict && rising) process.exitCode = 1;
}

try {
	await main();
} catch (error) {
	process.stderr.write(`soak: fatal: ${error?.stack ?? String(error)}\n`);
	process.exitCode = 1;
} finally {
	await stopAll();
}
process.exit();
