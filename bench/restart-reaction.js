#!/usr/bin/env node
// Restart reaction: how long a supervisor takes from a service's exit to the next instance
// running. The service lives a bit longer than its restart interval, then exits; each instance
// stamps a FIFO first thing after exec and last thing before exit (see lib/stamps.js).
// Subjects: a bare `while :; do svc; done` shell loop (the floor), daemonproxy, pm2, supervisord.

import { writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { main } from './lib/cli.js';
import { startDaemonproxy } from './lib/daemonproxy.js';
import { describePeers, preparePeers, withPeer } from './lib/peers.js';
import { startPm2 } from './lib/pm2.js';
import { killTree, settle, spawnTracked } from './lib/procs.js';
import { Report } from './lib/report.js';
import { StampReader } from './lib/stamps.js';
import { programSection, startSupervisord } from './lib/supervisord.js';
import { tempDir } from './lib/paths.js';

/** daemonproxy's shortest restart interval is 1 s; the service outlives it so restarts are immediate. */
const INTERVAL_S = 1;
const LIFE_S = 1.1;
const MEASURE = 'exit → next instance running';

const SERVICE = `#!/bin/sh
# Restart-reaction service: stamp "s PID" at once, live $2 seconds, stamp "e PID", exit 0.
echo "s $$" > "$1"
sleep "$2"
echo "e $$" > "$1"
exit 0
`;

await main(async options => {
	const runs = options.runs ?? (options.quick ? 2 : 10);
	const dir = tempDir();
	const script = join(dir, 'svc.sh');
	writeFileSync(script, SERVICE, { mode: 0o755 });
	const stamps = new StampReader(join(dir, 'stamps.fifo'));
	const argv = ['/bin/sh', script, stamps.path, String(LIFE_S)];
	const timeoutMs = (runs + 2) * (LIFE_S * 1000 + 2500) + 10_000;
	const peers = await preparePeers(options);
	const report = new Report(
		'restart reaction',
		`A service lives ${LIFE_S} s (restart interval ${INTERVAL_S} s), then exits; ${runs} restarts per subject. ` +
			'Time from the "e" stamp written just before exit to the "s" stamp the next instance writes first thing, ' +
			'both timestamped by the harness on arrival through one FIFO (CLOCK_MONOTONIC). Includes /bin/sh start-up, ' +
			'which the shell-loop floor measures alone.',
	);

	// While collecting, the harness's main thread (the FIFO reader) runs at a higher priority so
	// that a busy machine delays its stamps less. On Linux this affects the calling thread only,
	// and it is raised after the subject started, so no process inherits it.
	let boosted = true;
	const boost = on => {
		try {
			setPriority(on ? -10 : 0);
		} catch {
			boosted = false;
		}
	};
	const discarded = [];
	const measure = async (subject, start) => {
		stamps.reset();
		const stop = await start();
		boost(true);
		try {
			report.add(MEASURE, subject, 'ms', await stamps.collect(runs, timeoutMs));
			if (stamps.discarded > 0) discarded.push(`${subject} ${stamps.discarded}`);
		} finally {
			boost(false);
			await stop();
		}
	};

	await measure('sh loop (floor)', async () => {
		const loop = spawnTracked('/bin/sh', ['-c', 'while :; do "$@"; done', 'loop', ...argv], {}, 'sh loop');
		return async () => {
			killTree(/** @type {number} */ (loop.pid));
			await settle();
		};
	});

	await measure('daemonproxy', async () => {
		const dp = await startDaemonproxy(tempDir());
		await dp.client.command([`service.args\tsvc\t${argv.join('\t')}`, `service.auto_up\tsvc\t${INTERVAL_S}\talways`]);
		return () => dp.stop();
	});

	await withPeer(peers, 'pm2', report, [[MEASURE, 'ms']], () =>
		measure('pm2', async () => {
			const pm2 = await startPm2();
			await pm2.start([
				{
					name: 'svc',
					script: argv[0],
					args: argv.slice(1),
					interpreter: 'none',
					autorestart: true,
					restart_delay: 0,
					min_uptime: INTERVAL_S * 1000,
					max_restarts: 1_000_000,
				},
			]);
			return () => pm2.stop();
		}),
	);

	await withPeer(peers, 'supervisord', report, [[MEASURE, 'ms']], () =>
		measure('supervisord', async () => {
			const sv = await startSupervisord(tempDir(), [
				programSection('svc', argv.join(' '), { startsecs: String(INTERVAL_S) }),
			]);
			return () => sv.stop();
		}),
	);

	stamps.close();
	report.note(
		boosted
			? 'harness FIFO reader at nice -10 while collecting'
			: 'harness priority not raised (needs root): stamps are more exposed to machine load',
	);
	if (discarded.length > 0)
		report.note(`exit/start pairs read together (harness woke late), discarded: ${discarded.join(', ')}`);
	report.target(MEASURE, 'daemonproxy median ≤ 3 ms', median => [median <= 3, `${median.toFixed(2)} ms`]);
	if (peers.size > 0) report.note(describePeers(peers));
	report.finish(options);
});
