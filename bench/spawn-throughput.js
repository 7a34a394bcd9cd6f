#!/usr/bin/env node
// Spawn throughput: define and start N `sleep` services at once on a freshly started, idle
// supervisor; time until all N have actually exec'd, seen in /proc (children of the supervisor
// whose comm is `sleep`). Subjects: daemonproxy, pm2, supervisord, each run in a fresh instance.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from './lib/cli.js';
import { startDaemonproxy } from './lib/daemonproxy.js';
import { tempDir } from './lib/paths.js';
import { describePeers, preparePeers } from './lib/peers.js';
import { startPm2 } from './lib/pm2.js';
import { countChildrenNamed, sleep } from './lib/procs.js';
import { Report } from './lib/report.js';
import { programSection, startSupervisord } from './lib/supervisord.js';

const POLL_MS = 1;

/** Polls /proc until `parent` has `n` children running `sleep`; resolves with the time it took. */
async function waitRunning(parent, n, t0, timeoutMs = 120_000) {
	const seen = new Set();
	while (countChildrenNamed(parent, 'sleep', seen) < n) {
		if (performance.now() - t0 > timeoutMs)
			throw new Error(`only ${seen.size} of ${n} services running after ${timeoutMs} ms`);
		await sleep(POLL_MS);
	}
	return performance.now() - t0;
}

await main(async options => {
	const n = options.quick ? 20 : 200;
	const runs = options.runs ?? (options.quick ? 1 : 5);
	const measure = `${n} services defined and started → all running`;
	const peers = await preparePeers(options);
	const report = new Report(
		'spawn throughput',
		`Each run starts a fresh, idle supervisor, then defines and starts ${n} services running \`sleep 1000\` ` +
			`in one go, and polls /proc every ${POLL_MS} ms until ${n} children of the supervisor have exec'd sleep. ` +
			'daemonproxy: one write of service.args + service.start lines on its socket; pm2: one API start() of ' +
			'an app list; supervisord: program files, then reloadConfig + addProcessGroup each (as supervisorctl update). ' +
			`${runs} runs each, interleaved across subjects.`,
	);

	/** One run of each subject: start it fresh, time the burst, stop it. */
	const oneRun = {
		async daemonproxy() {
			const dp = await startDaemonproxy(tempDir());
			try {
				const lines = [];
				for (let i = 0; i < n; i++) lines.push(`service.args\ts${i}\t/bin/sleep\t1000\nservice.start\ts${i}\n`);
				const t0 = performance.now();
				await dp.client.write(lines.join(''));
				return await waitRunning(dp.pid, n, t0);
			} finally {
				await dp.stop();
			}
		},
		async pm2() {
			const pm2 = await startPm2();
			try {
				const apps = [];
				for (let i = 0; i < n; i++)
					apps.push({ name: `s${i}`, script: '/bin/sleep', args: ['1000'], interpreter: 'none', autorestart: true });
				const t0 = performance.now();
				const started = pm2.start(apps);
				const ms = await waitRunning(pm2.pid, n, t0);
				await started;
				return ms;
			} finally {
				await pm2.stop();
			}
		},
		async supervisord() {
			const dir = tempDir();
			const sv = await startSupervisord(dir);
			try {
				for (let i = 0; i < n; i++)
					writeFileSync(join(dir, 'conf.d', `s${i}.conf`), programSection(`s${i}`, '/bin/sleep 1000'));
				const t0 = performance.now();
				const defined = (async () => {
					await sv.rpc('supervisor.reloadConfig');
					for (let i = 0; i < n; i++) await sv.rpc('supervisor.addProcessGroup', `s${i}`);
				})();
				const ms = await waitRunning(sv.pid, n, t0);
				await defined;
				return ms;
			} finally {
				await sv.stop();
			}
		},
	};
	// Runs are interleaved (daemonproxy, pm2, supervisord, daemonproxy, …) so that a shared
	// machine's changing load falls on every subject alike.
	const subjects = ['daemonproxy'];
	for (const [name, peer] of peers) {
		if (peer.ok) subjects.push(name);
		else report.skip(measure, name, 'ms', peer.why);
	}
	const samples = new Map(subjects.map(name => [name, []]));
	const failed = new Map();
	for (let run = 0; run < runs; run++) {
		for (const name of subjects) {
			if (failed.has(name)) continue;
			try {
				samples.get(name).push(await oneRun[name]());
			} catch (error) {
				if (name === 'daemonproxy') throw error;
				failed.set(name, `failed: ${String(/** @type {Error} */ (error).message).split('\n')[0]}`);
			}
		}
	}
	for (const name of subjects) {
		if (failed.has(name)) report.skip(measure, name, 'ms', failed.get(name));
		else report.add(measure, name, 'ms', samples.get(name));
	}

	if (n === 200)
		report.target(measure, 'daemonproxy median ≤ 300 ms', median => [median <= 300, `${median.toFixed(0)} ms`]);
	if (peers.size > 0) report.note(describePeers(peers));
	report.finish(options);
});
