#!/usr/bin/env node
// Fan-out: L subscribed connections while services restart as fast as a controller can drive
// them (it answers each `down` with `service.start`). Measures events delivered per second over
// all subscribers, and proves that every subscriber got every event: each one's line count and
// SHA-1 of its whole stream must equal the controller's own (it is a subscriber too).
// Subjects: daemonproxy; pm2 (its event bus, restarts driven by its own autorestart).

import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { main } from './lib/cli.js';
import { startDaemonproxy } from './lib/daemonproxy.js';
import { tempDir } from './lib/paths.js';
import { describePeers, preparePeers, withPeer } from './lib/peers.js';
import { pm2ModuleDir, startPm2 } from './lib/pm2.js';
import { killTree, sleep, spawnTracked, waitUntil } from './lib/procs.js';
import { Report } from './lib/report.js';

const listenersJs = fileURLToPath(new URL('lib/fanout-listeners.js', import.meta.url));

/** Starts the listener process; resolves once all its connections are subscribed. */
async function startListeners(args, env = process.env) {
	const child = spawnTracked(
		process.execPath,
		[listenersJs, ...args],
		{ stdio: ['ignore', 'pipe', 'inherit'], env },
		'fan-out listeners',
	);
	let text = '';
	const lines = [];
	let wake = null;
	child.stdout?.on('data', chunk => {
		text += chunk.toString('utf8');
		const parts = text.split('\n');
		text = parts.pop() ?? '';
		lines.push(...parts);
		wake?.();
	});
	child.on('exit', () => wake?.());
	const next = async timeoutMs => {
		const deadline = performance.now() + timeoutMs;
		while (lines.length === 0) {
			if (child.exitCode !== null || performance.now() > deadline) throw new Error('fan-out listeners: no answer');
			await new Promise(resolve => {
				wake = resolve;
				setTimeout(resolve, 50);
			});
		}
		return /** @type {string} */ (lines.shift());
	};
	if ((await next(60_000)) !== 'ready') throw new Error('fan-out listeners did not get ready');
	return {
		/** @returns {Promise<{connections: Array<{lines: number, digest: string, endNs: string}>}>} */
		result: async timeoutMs => JSON.parse(await next(timeoutMs)),
		stop: () => killTree(/** @type {number} */ (child.pid)),
	};
}

/** Checks every subscriber against the reference stream; returns [eventsPerSecond, problem|null]. */
function tally(result, reference, t0) {
	const bad = result.connections.filter(c => c.lines !== reference.lines || c.digest !== reference.digest);
	const lastNs = result.connections.reduce((max, c) => (BigInt(c.endNs) > max ? BigInt(c.endNs) : max), 0n);
	const seconds = Number(lastNs - t0) / 1e9;
	const delivered = result.connections.reduce((sum, c) => sum + c.lines, 0);
	const groups = new Map();
	for (const c of result.connections)
		groups.set(
			`${c.lines} lines ${c.digest.slice(0, 8)}`,
			(groups.get(`${c.lines} lines ${c.digest.slice(0, 8)}`) ?? 0) + 1,
		);
	const problem =
		bad.length === 0
			? null
			: `${bad.length} of ${result.connections.length} subscribers differ from the reference stream ` +
				`(${reference.lines} lines ${reference.digest.slice(0, 8)}); subscribers: ` +
				[...groups]
					.sort((a, b) => b[1] - a[1])
					.slice(0, 4)
					.map(([k, n]) => `${n}× ${k}`)
					.join(', ');
	return [delivered / seconds, problem];
}

/** One daemonproxy run: returns {rate, restartsPerSecond, events, problem}. */
async function runDaemonproxy(listenerCount, serviceCount, driveMs) {
	// Past 256 controllers (the default limit) a connection is refused: make room for L + 1.
	const dp = await startDaemonproxy(tempDir(), { args: ['--max-controllers', String(listenerCount + 16)] });
	const nonce = `END-${process.pid}-${Date.now()}`;
	const listeners = await startListeners(['dp', dp.socket, String(listenerCount), `bench-end\t${nonce}`]);
	try {
		const socket = await new Promise((resolve, reject) => {
			const s = connect(dp.socket);
			s.once('connect', () => resolve(s));
			s.once('error', reject);
		});
		const hash = createHash('sha1');
		let lines = 0;
		let partial = '';
		let driving = true;
		let restarts = 0;
		const live = new Set();
		let markerSeen = false;
		const markerLine = `service.tags\tbench-end\t${nonce}`;
		// `live`: services started or with a start in flight (added when the start is sent, so a
		// start still on its way to the daemon is never mistaken for "all down"). The reference
		// stream ends with the marker line, exactly where the subscribers stop.
		socket.on('data', chunk => {
			if (markerSeen) return;
			const text = partial + chunk.toString('latin1');
			const parts = text.split('\n');
			partial = parts.pop() ?? '';
			let starts = '';
			for (const line of parts) {
				if (markerSeen) break;
				hash.update(`${line}\n`, 'latin1');
				lines++;
				if (line.startsWith('service.state\t')) {
					const f = line.split('\t');
					const name = /** @type {string} */ (f[1]);
					if (f[2] === 'down' && f[4] !== '-') {
						live.delete(name);
						if (driving) {
							starts += `service.start\t${name}\n`;
							live.add(name);
							restarts++;
						}
					}
				} else if (line === markerLine) markerSeen = true;
			}
			if (starts !== '') socket.write(starts);
		});
		let setup = '';
		for (let i = 0; i < serviceCount; i++) setup += `service.args\tf${i}\t/bin/true\n`;
		for (let i = 0; i < serviceCount; i++) {
			setup += `service.start\tf${i}\n`;
			live.add(`f${i}`);
		}
		const t0 = process.hrtime.bigint();
		socket.write(setup);
		await sleep(driveMs);
		driving = false;
		const driven = Number(process.hrtime.bigint() - t0) / 1e9;
		await waitUntil('all services down', () => live.size === 0, { timeoutMs: 30_000, intervalMs: 5 });
		socket.write(`${markerLine}\n`);
		await waitUntil('the marker', () => markerSeen, { timeoutMs: 60_000, intervalMs: 5 });
		const result = await listeners.result(120_000);
		socket.destroy();
		const [rate, problem] = tally(result, { lines, digest: hash.digest('hex') }, t0);
		return { rate, restartsPerSecond: restarts / driven, events: lines, problem };
	} finally {
		listeners.stop();
		await dp.stop();
	}
}

/** One pm2 run: /bin/true restarted by pm2's own autorestart, L bus subscribers. */
async function runPm2(listenerCount, driveMs) {
	const pm2 = await startPm2();
	const marker = `bench-end-${process.pid}`;
	const listeners = await startListeners(['pm2', pm2ModuleDir, String(listenerCount), marker]);
	try {
		// The reference stream: one more bus subscriber, in this process.
		const hash = createHash('sha1');
		let lines = 0;
		let markerSeen = false;
		let restarts = 0;
		const bus = await new Promise((resolve, reject) =>
			pm2.api.Client.launchBus((e, b) => (e ? reject(e) : resolve(b))),
		);
		bus.on('process:event', packet => {
			if (markerSeen) return;
			hash.update(`${packet.event}\t${packet.process?.name}\t${packet.process?.pm_id}\t${packet.at}\n`);
			lines++;
			if (packet.event === 'exit' && packet.process?.name === 'f') restarts++;
			if (packet.process?.name === marker && packet.event === 'online') markerSeen = true;
		});
		const t0 = process.hrtime.bigint();
		await pm2.start([
			{
				name: 'f',
				script: '/bin/true',
				interpreter: 'none',
				autorestart: true,
				restart_delay: 0,
				min_uptime: 0,
				max_restarts: 1e9,
			},
		]);
		await sleep(driveMs);
		await new Promise((resolve, reject) => pm2.api.stop('f', e => (e ? reject(e) : resolve(undefined))));
		const driven = Number(process.hrtime.bigint() - t0) / 1e9;
		await pm2.start([{ name: marker, script: '/bin/sleep', args: ['1000'], interpreter: 'none', autorestart: false }]);
		await waitUntil('the marker', () => markerSeen, { timeoutMs: 60_000, intervalMs: 5 });
		const result = await listeners.result(120_000);
		const [rate, problem] = tally(result, { lines, digest: hash.digest('hex') }, t0);
		return { rate, restartsPerSecond: restarts / driven, events: lines, problem };
	} finally {
		listeners.stop();
		await pm2.stop();
	}
}

await main(async options => {
	const q = options.quick;
	const counts = q ? [5, 20] : [50, 500];
	const runs = options.runs ?? (q ? 1 : 3);
	const driveMs = q ? 300 : 3000;
	const serviceCount = 8;
	const peers = await preparePeers(options);
	const report = new Report(
		'fan-out',
		`L subscriber connections (in a separate process) plus one controller connection. daemonproxy: ${serviceCount} ` +
			`services running /bin/true; the controller answers every \`down\` with \`service.start\` for ${driveMs} ms, ` +
			'waits until all are down, then sends a marker event. Events/s = lines delivered to all L subscribers ÷ ' +
			"time from the first command to the last subscriber seeing the marker. Every subscriber's line count and " +
			"SHA-1 must equal the controller's (no loss, no overflow). pm2: /bin/true under its own autorestart " +
			`(restart_delay 0), L+1 bus subscribers (launchBus), marker = a new app going online. ${runs} runs each.`,
	);
	const EVENTS = l => `events/s delivered, ${l} subscribers`;
	const RESTARTS = l => `restarts/s driven, ${l} subscribers`;

	let dpLoss = 0;
	for (const l of counts) {
		const rates = [];
		const restarts = [];
		for (let run = 0; run < runs; run++) {
			const r = await runDaemonproxy(l, serviceCount, driveMs);
			if (r.problem) {
				report.fail(`daemonproxy, ${l} subscribers: ${r.problem}`);
				dpLoss++;
			}
			rates.push(r.rate);
			restarts.push(r.restartsPerSecond);
		}
		report.add(EVENTS(l), 'daemonproxy', '/s', rates, 'every subscriber got every event');
		report.add(RESTARTS(l), 'daemonproxy', '/s', restarts);

		await withPeer(
			peers,
			'pm2',
			report,
			[
				[EVENTS(l), '/s'],
				[RESTARTS(l), '/s'],
			],
			async () => {
				const pm2Rates = [];
				const pm2Restarts = [];
				for (let run = 0; run < runs; run++) {
					const r = await runPm2(l, driveMs);
					// A peer's own delivery problem is a finding about the peer, not a failed run.
					if (r.problem) report.note(`pm2, ${l} subscribers, run ${run + 1}: ${r.problem}`);
					pm2Rates.push(r.rate);
					pm2Restarts.push(r.restartsPerSecond);
				}
				report.add(EVENTS(l), 'pm2', '/s', pm2Rates);
				report.add(RESTARTS(l), 'pm2', '/s', pm2Restarts);
			},
		);
		if (peers.get('supervisord'))
			report.skip(
				EVENTS(l),
				'supervisord',
				'/s',
				'no socket subscriptions: its event listeners are child processes fed one event at a time',
			);
	}
	report.target(
		EVENTS(counts[0]),
		`daemonproxy ≥ 100,000 events/s delivered with ${counts[0]} subscribers, no loss`,
		v => [
			v >= 100_000 && dpLoss === 0,
			`${Math.round(v).toLocaleString('en-US')}/s${dpLoss === 0 ? '' : ', with loss'}`,
		],
	);
	if (peers.size > 0) report.note(describePeers(peers));
	report.finish(options);
});
