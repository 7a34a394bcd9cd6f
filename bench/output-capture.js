#!/usr/bin/env node
// Output capture: a service writes M MB of 100-byte lines to stdout as fast as the pipe takes
// them. Measures the captured throughput (MB/s, from the start command until the supervisor
// holds the last line), the supervisor's CPU time per MB, another client's round-trip latency
// while it runs (p99), and how much the supervisor's peak RSS grew.
// Subjects: daemonproxy (the `output` handle: a daemon-owned pipe drained into a ring of 1000
// lines; a `dpctl logs -f`-style follower connected), and pm2 (its own log capture: the pipe is
// drained into its out log file, with a `pm2 logs`-style bus subscriber listening to log:out).

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from './lib/cli.js';
import { startDaemonproxy } from './lib/daemonproxy.js';
import { tempDir } from './lib/paths.js';
import { describePeers, preparePeers, withPeer } from './lib/peers.js';
import { startPm2 } from './lib/pm2.js';
import { waitUntil } from './lib/procs.js';
import { Report } from './lib/report.js';

const writerJs = fileURLToPath(new URL('lib/flood-writer.js', import.meta.url));
const LINE_BYTES = 100;
/** CLK_TCK on Linux x86-64 and arm64. */
const TICKS_PER_SECOND = 100;

const THROUGHPUT = 'captured throughput';
const CPU = 'supervisor CPU per MB captured';
const ECHO = "another client's round trip while it runs, p99";
const RSS = 'peak RSS growth while capturing';

/** utime + stime of a process, in ms. */
function cpuMs(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** VmHWM (peak RSS) of a process, in MiB. */
function peakRssMiB(pid) {
	const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
	return match ? Number(match[1]) / 1024 : NaN;
}

function p99(values) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN;
}

/** Round trips of `ping` one after another until `done()`; returns their latencies in ms. */
async function pingWhile(ping, done) {
	const latencies = [];
	while (!done()) {
		const t0 = performance.now();
		await ping();
		latencies.push(performance.now() - t0);
	}
	return latencies;
}

async function runDaemonproxy(lines) {
	const dp = await startDaemonproxy(tempDir(), { args: ['--output-lines', '1000'] });
	try {
		await dp.client.command([
			`service.args\tflood\t${process.execPath}\t${writerJs}\t${lines}\t${LINE_BYTES}`,
			'service.fds\tflood\tnull\toutput\toutput',
		]);
		const follower = await dp.connect();
		await follower.command(['output.follow\tflood']);
		let followed = 0;
		follower.socket.on('data', chunk => {
			for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) followed++;
		});
		const echo = await dp.connect();
		const rss0 = peakRssMiB(dp.pid);
		const cpu0 = cpuMs(dp.pid);
		const t0 = performance.now();
		await dp.client.write('service.start\tflood\n');
		let down = false;
		const pings = pingWhile(
			() => echo.command([]),
			() => down,
		);
		await dp.client.collectUntil(line => /^service\.state\tflood\tdown\t/.test(line), 600_000);
		// The exit is seen after the last bytes are drained (the capture reads the pipe dry first).
		const [last] = await dp.client.command([`output.tail\tflood\t1`]);
		const seconds = (performance.now() - t0) / 1000;
		down = true;
		const latencies = await pings;
		if (!last?.startsWith(`output\tflood\t${lines}\t`))
			throw new Error(`daemonproxy: the last line captured is not line ${lines}: ${last}`);
		const mb = (lines * LINE_BYTES) / 1e6;
		const result = {
			mbPerSecond: mb / seconds,
			cpuPerMb: (cpuMs(dp.pid) - cpu0) / mb,
			echoP99: p99(latencies),
			rssGrowth: peakRssMiB(dp.pid) - rss0,
			followed,
		};
		follower.close();
		echo.close();
		return result;
	} finally {
		await dp.stop();
	}
}

async function runPm2(lines) {
	const pm2 = await startPm2();
	const dir = tempDir();
	const outFile = join(dir, 'flood-out.log');
	try {
		const bus = await new Promise((resolve, reject) =>
			pm2.api.Client.launchBus((e, b) => (e ? reject(e) : resolve(b))),
		);
		let followed = 0;
		bus.on('log:out', packet => {
			if (packet.process?.name === 'flood') followed++;
		});
		const size = () => {
			try {
				return statSync(outFile).size;
			} catch {
				return 0;
			}
		};
		const total = lines * LINE_BYTES;
		const rss0 = peakRssMiB(pm2.pid);
		const cpu0 = cpuMs(pm2.pid);
		const t0 = performance.now();
		let done = false;
		const pings = pingWhile(
			() => pm2.remote('ping'),
			() => done,
		);
		await pm2.start([
			{
				name: 'flood',
				script: writerJs,
				args: [String(lines), String(LINE_BYTES)],
				interpreter: process.execPath,
				autorestart: false,
				out_file: outFile,
				error_file: join(dir, 'flood-err.log'),
			},
		]);
		await waitUntil('pm2 writing the last line', () => size() >= total, { timeoutMs: 600_000, intervalMs: 5 });
		const seconds = (performance.now() - t0) / 1000;
		done = true;
		const latencies = await pings;
		const mb = total / 1e6;
		return {
			mbPerSecond: mb / seconds,
			cpuPerMb: (cpuMs(pm2.pid) - cpu0) / mb,
			echoP99: p99(latencies),
			rssGrowth: peakRssMiB(pm2.pid) - rss0,
			followed,
		};
	} finally {
		await pm2.stop();
	}
}

function record(report, subject, results) {
	report.add(
		THROUGHPUT,
		subject,
		'MiB/s',
		results.map(r => (r.mbPerSecond * 1e6) / (1 << 20)),
	);
	report.add(
		CPU,
		subject,
		'ms',
		results.map(r => r.cpuPerMb),
	);
	report.add(
		ECHO,
		subject,
		'ms',
		results.map(r => r.echoP99),
	);
	report.add(
		RSS,
		subject,
		'MiB',
		results.map(r => r.rssGrowth),
	);
}

await main(async options => {
	const q = options.quick;
	const megabytes = q ? 2 : 100;
	const lines = (megabytes * 1e6) / LINE_BYTES;
	const runs = options.runs ?? (q ? 1 : 3);
	// The issue compares with pm2's capture; supervisord's (log files) is not measured here.
	const peers = await preparePeers({ ...options, peers: new Set([...options.peers].filter(peer => peer === 'pm2')) });
	const report = new Report(
		'output capture',
		`A service writes ${megabytes} MB as ${lines.toLocaleString('en-US')} lines of ${LINE_BYTES} bytes to stdout as fast ` +
			'as the pipe takes them (a Node writer honouring back-pressure). Throughput: MiB/s from the start command ' +
			'until the supervisor holds the last line; CPU: its utime+stime per MB; round trip: p99 of back-to-back ' +
			'echo commands on another connection meanwhile (pm2: its RPC ping); RSS: growth of its peak (VmHWM). ' +
			'daemonproxy: `output` at fds 1 and 2, a ring of 1000 lines, one connection following the output ' +
			'(output.follow, what `dpctl logs -f` uses). pm2: its log capture into the out file, one bus subscriber ' +
			`to log:out (what \`pm2 logs\` uses). ${runs} runs each.`,
	);
	const dp = [];
	for (let run = 0; run < runs; run++) dp.push(await runDaemonproxy(lines));
	record(report, 'daemonproxy', dp);
	for (const r of dp)
		if (r.followed < lines)
			report.note(
				`daemonproxy's follower saw ${r.followed} of ${lines} lines (a slow reader loses lines, never the ring)`,
			);
	await withPeer(
		peers,
		'pm2',
		report,
		[
			[THROUGHPUT, 'MiB/s'],
			[CPU, 'ms'],
			[ECHO, 'ms'],
			[RSS, 'MiB'],
		],
		async () => {
			const results = [];
			for (let run = 0; run < runs; run++) results.push(await runPm2(lines));
			record(report, 'pm2', results);
			for (const r of results)
				report.note(`pm2's bus subscriber got ${r.followed} log:out packets (one per chunk pm2 reads, not per line)`);
		},
	);
	report.target(THROUGHPUT, 'daemonproxy ≥ pm2 and never blocking the service', (v, other) => {
		const peer = other('pm2');
		return [peer === null ? null : v >= peer, `${v.toFixed(0)} MiB/s`];
	});
	if (peers.size > 0) report.note(describePeers(peers));
	report.finish(options);
});
