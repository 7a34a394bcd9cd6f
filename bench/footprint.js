#!/usr/bin/env node
// Footprint: resident memory (VmRSS) of each supervisor's own process, idle and holding N running
// `sleep` services, beside a bare `node -e 'setInterval(()=>{},1e9)'` measured in the same run.
// The services' own memory is not counted: only the supervisor process (pm2: its God daemon).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from './lib/cli.js';
import { startDaemonproxy } from './lib/daemonproxy.js';
import { tempDir } from './lib/paths.js';
import { describePeers, preparePeers, withPeer } from './lib/peers.js';
import { startPm2 } from './lib/pm2.js';
import { countChildrenNamed, killTree, rssBytes, settle, sleep, spawnTracked, waitUntil } from './lib/procs.js';
import { median } from './lib/stats.js';
import { Report } from './lib/report.js';
import { programSection, startSupervisord } from './lib/supervisord.js';

const MiB = 1024 * 1024;

await main(async options => {
	const n = options.quick ? 20 : 200;
	const runs = options.runs ?? (options.quick ? 1 : 3);
	const settleMs = options.quick ? 200 : 2000;
	const IDLE = 'RSS idle';
	const FULL = `RSS with ${n} services running`;
	const FIRST = `RSS per service, idle → ${n}`;
	const PER = `RSS per extra service, ${n} → ${2 * n}`;
	const peers = await preparePeers(options);
	const report = new Report(
		'footprint',
		`VmRSS of the supervisor process, read from /proc/PID/status ${settleMs} ms after it went quiet ` +
			`(median of 5 readings 100 ms apart): idle (started, nothing defined, no client connected), then with ` +
			`${n} \`sleep 1000\` services running, then with ${2 * n}. Per service from idle: (RSS at ${n} − idle) ÷ ${n}, which ` +
			`includes one-time growth (heap pages, code compiled for the first burst); per extra service: ` +
			`(RSS at ${2 * n} − RSS at ${n}) ÷ ${n}, the marginal cost. Fresh instances, ${runs} runs each.`,
	);
	report.reference(IDLE, 'bare node');

	const settledRss = async pid => {
		await sleep(settleMs);
		const readings = [];
		for (let i = 0; i < 5; i++) {
			const rss = rssBytes(pid);
			if (rss === null) throw new Error(`process ${pid} is gone`);
			readings.push(rss);
			await sleep(100);
		}
		return median(readings);
	};
	const allRunning = (pid, count) =>
		waitUntil(
			`${count} services running`,
			() => {
				const seen = new Set();
				return countChildrenNamed(pid, 'sleep', seen) >= count;
			},
			{ timeoutMs: 120_000, intervalMs: 20 },
		);

	/** Runs `runs` times: start() → {pid, startServices(from, to), stop()}; records idle, full and per service. */
	const measure = async (subject, start) => {
		const idle = [];
		const full = [];
		const first = [];
		const per = [];
		for (let run = 0; run < runs; run++) {
			const s = await start();
			try {
				const a = await settledRss(s.pid);
				idle.push(a / MiB);
				if (s.startServices) {
					await s.startServices(0, n);
					await allRunning(s.pid, n);
					const b = await settledRss(s.pid);
					full.push(b / MiB);
					first.push((b - a) / n / 1024);
					await s.startServices(n, 2 * n);
					await allRunning(s.pid, 2 * n);
					const c = await settledRss(s.pid);
					per.push((c - b) / n / 1024);
				}
			} finally {
				await s.stop();
			}
		}
		report.add(IDLE, subject, 'MiB', idle);
		if (full.length > 0) {
			report.add(FULL, subject, 'MiB', full);
			report.add(FIRST, subject, 'KiB', first);
			report.add(PER, subject, 'KiB', per);
		}
	};

	await measure('bare node', async () => {
		const child = spawnTracked(process.execPath, ['-e', 'setInterval(()=>{},1e9)'], {}, 'bare node');
		const pid = /** @type {number} */ (child.pid);
		return {
			pid,
			async stop() {
				killTree(pid);
				await settle();
			},
		};
	});

	await measure('daemonproxy', async () => {
		const dp = await startDaemonproxy(tempDir());
		dp.client.close();
		return {
			pid: dp.pid,
			async startServices(from, to) {
				const client = await dp.connect();
				const lines = [];
				for (let i = from; i < to; i++) lines.push(`service.args\ts${i}\t/bin/sleep\t1000`, `service.start\ts${i}`);
				await client.command(lines);
				client.close();
			},
			stop: () => dp.stop(),
		};
	});

	const measures = [
		[IDLE, 'MiB'],
		[FULL, 'MiB'],
		[FIRST, 'KiB'],
		[PER, 'KiB'],
	];
	await withPeer(peers, 'pm2', report, measures, () =>
		measure('pm2', async () => {
			const pm2 = await startPm2();
			return {
				pid: pm2.pid,
				async startServices(from, to) {
					const apps = [];
					for (let i = from; i < to; i++)
						apps.push({ name: `s${i}`, script: '/bin/sleep', args: ['1000'], interpreter: 'none', autorestart: true });
					await pm2.start(apps);
				},
				stop: () => pm2.stop(),
			};
		}),
	);

	await withPeer(peers, 'supervisord', report, measures, () =>
		measure('supervisord', async () => {
			const dir = tempDir();
			const sv = await startSupervisord(dir);
			return {
				pid: sv.pid,
				async startServices(from, to) {
					for (let i = from; i < to; i++)
						writeFileSync(join(dir, 'conf.d', `s${i}.conf`), programSection(`s${i}`, '/bin/sleep 1000'));
					await sv.rpc('supervisor.reloadConfig');
					for (let i = from; i < to; i++) await sv.rpc('supervisor.addProcessGroup', `s${i}`);
				},
				stop: () => sv.stop(),
			};
		}),
	);

	report.target(IDLE, 'daemonproxy idle ≤ 1.25 × bare node', (value, medianOf) => {
		const bare = medianOf('bare node');
		return bare === null ? [null, '—'] : [value <= 1.25 * bare, `${(value / bare).toFixed(2)}×`];
	});
	report.target(PER, 'daemonproxy ≤ 20 KB per extra service', value => [
		value * 1024 <= 20_000,
		`${value.toFixed(1)} KiB`,
	]);
	if (peers.size > 0) report.note(describePeers(peers));
	report.finish(options);
});
