#!/usr/bin/env node
// Scale: N services defined of which R run (`sleep 1000`), for two N: how long a full state
// snapshot takes a client (daemonproxy: `statedump` up to an echo barrier; supervisord: the
// XML-RPC getAllProcessInfo; pm2: its API list()), and the supervisor's resident memory.

import { connect } from 'node:net';
import { main } from './lib/cli.js';
import { startDaemonproxy } from './lib/daemonproxy.js';
import { xmlrpcRequest } from './lib/http-client.js';
import { tempDir } from './lib/paths.js';
import { describePeers, preparePeers, withPeer } from './lib/peers.js';
import { startPm2 } from './lib/pm2.js';
import { countChildrenNamed, rssBytes, sleep, waitUntil } from './lib/procs.js';
import { Report } from './lib/report.js';
import { programSection, startSupervisord } from './lib/supervisord.js';

const MiB = 1024 * 1024;

/** `statedump` + `echo\tTOKEN` on a fresh connection; resolves with [ms, lines before the token]. */
async function timedStatedump(path) {
	const socket = await new Promise((resolve, reject) => {
		const s = connect(path);
		s.once('connect', () => resolve(s));
		s.once('error', reject);
	});
	const token = Buffer.from(`\ndump-end-${process.pid}\n`, 'latin1');
	let lines = 0;
	let window = Buffer.alloc(0);
	const t0 = performance.now();
	const ms = await new Promise((resolve, reject) => {
		socket.on('error', reject);
		socket.on('data', chunk => {
			for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
			window = Buffer.concat([window.subarray(-token.length), chunk]);
			if (window.indexOf(token) !== -1) resolve(performance.now() - t0);
		});
		socket.write(`statedump\necho\tdump-end-${process.pid}\n`);
	});
	socket.destroy();
	return [ms, lines - 1];
}

await main(async options => {
	const q = options.quick;
	const sizes = q ? [20, 100] : [1000, 5000];
	const running = q ? 20 : 1000;
	const runs = options.runs ?? (q ? 2 : 5);
	const settleMs = q ? 200 : 2000;
	const peers = await preparePeers(options);
	const report = new Report(
		'scale',
		`N services defined, the first ${running} running \`sleep 1000\`, on a fresh supervisor. Snapshot: the ` +
			'time for a client to receive the whole state (daemonproxy: statedump then an echo barrier on a fresh ' +
			'connection; supervisord: getAllProcessInfo over XML-RPC; pm2: API list(), only with all N running). ' +
			`${runs} snapshots each; RSS of the supervisor process ${settleMs} ms after set-up.`,
	);
	const SNAP = n => `snapshot, ${n} defined / ${running} running`;
	const RSS = n => `RSS, ${n} defined / ${running} running`;
	const allRunning = pid =>
		waitUntil(`${running} services running`, () => countChildrenNamed(pid, 'sleep', new Set()) >= running, {
			timeoutMs: 300_000,
			intervalMs: 50,
		});

	for (const n of sizes) {
		const dp = await startDaemonproxy(tempDir());
		try {
			const lines = [];
			for (let i = 0; i < n; i++) lines.push(`service.args\ts${i}\t/bin/sleep\t1000`);
			for (let i = 0; i < running; i++) lines.push(`service.start\ts${i}`);
			await dp.client.command(lines, 300_000);
			await allRunning(dp.pid);
			await sleep(settleMs);
			report.add(RSS(n), 'daemonproxy', 'MiB', [/** @type {number} */ (rssBytes(dp.pid)) / MiB]);
			const times = [];
			for (let run = 0; run < runs; run++) {
				const [ms, count] = await timedStatedump(dp.socket);
				if (count < 5 * n) report.fail(`statedump with ${n} services sent ${count} lines, expected at least ${5 * n}`);
				times.push(ms);
			}
			report.add(SNAP(n), 'daemonproxy', 'ms', times);
		} finally {
			await dp.stop();
		}

		await withPeer(
			peers,
			'supervisord',
			report,
			[
				[SNAP(n), 'ms'],
				[RSS(n), 'MiB'],
			],
			async () => {
				const dir = tempDir();
				const sections = [];
				for (let i = 0; i < n; i++)
					sections.push(programSection(`s${i}`, '/bin/sleep 1000', { autostart: String(i < running) }));
				const sv = await startSupervisord(dir, sections, { readyTimeoutMs: 300_000 });
				try {
					await allRunning(sv.pid);
					await sleep(settleMs);
					report.add(RSS(n), 'supervisord', 'MiB', [/** @type {number} */ (rssBytes(sv.pid)) / MiB]);
					const request = xmlrpcRequest('supervisor.getAllProcessInfo');
					const times = [];
					const started = performance.now();
					// supervisord can take tens of seconds for one answer here: stop repeating after a minute.
					for (let run = 0; run < runs && performance.now() - started < 60_000; run++) {
						const t0 = performance.now();
						const body = await sv.http.request(request, 600_000);
						times.push(performance.now() - t0);
						const count = body.split('<name>statename</name>').length - 1;
						if (count !== n) report.fail(`supervisord getAllProcessInfo listed ${count} of ${n} programs`);
					}
					report.add(SNAP(n), 'supervisord', 'ms', times);
				} finally {
					await sv.stop();
				}
			},
		);

		if (n !== running) {
			if (peers.get('pm2'))
				report.skip(SNAP(n), 'pm2', 'ms', `pm2 has no defined-but-stopped state short of starting all ${n}`);
			continue;
		}
		await withPeer(
			peers,
			'pm2',
			report,
			[
				[SNAP(n), 'ms'],
				[RSS(n), 'MiB'],
			],
			async () => {
				const pm2 = await startPm2();
				try {
					const apps = [];
					for (let i = 0; i < n; i++)
						apps.push({ name: `s${i}`, script: '/bin/sleep', args: ['1000'], interpreter: 'none', autorestart: true });
					await pm2.start(apps);
					await waitUntil(`${n} pm2 apps running`, () => countChildrenNamed(pm2.pid, 'sleep', new Set()) >= n, {
						timeoutMs: 600_000,
						intervalMs: 100,
					});
					await sleep(settleMs);
					report.add(RSS(n), 'pm2', 'MiB', [/** @type {number} */ (rssBytes(pm2.pid)) / MiB]);
					const times = [];
					for (let run = 0; run < runs; run++) {
						const t0 = performance.now();
						const list = await pm2.list();
						times.push(performance.now() - t0);
						if (list.length !== n) report.fail(`pm2 list() returned ${list.length} of ${n} apps`);
					}
					report.add(SNAP(n), 'pm2', 'ms', times);
				} finally {
					await pm2.stop();
				}
			},
		);
	}
	if (peers.size > 0) report.note(describePeers(peers));
	report.finish(options);
});
