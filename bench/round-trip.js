#!/usr/bin/env node
// A script's round trip: (1) a fresh `socat` process per `echo` (connect, one command, answer,
// close: what a shell script pays per call); on one open connection, (2) ping-pong latency, one
// command in flight, and (3) pipelined throughput, many in flight. Subjects: daemonproxy, a bare
// Node line server (the floor, lib/line-server.js), supervisord's XML-RPC, pm2's RPC.

import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { main } from './lib/cli.js';
import { startDaemonproxy } from './lib/daemonproxy.js';
import { xmlrpcRequest } from './lib/http-client.js';
import { startLineServer } from './lib/line-server-subject.js';
import { tempDir } from './lib/paths.js';
import { describePeers, preparePeers, withPeer } from './lib/peers.js';
import { startPm2 } from './lib/pm2.js';
import { track } from './lib/procs.js';
import { Report } from './lib/report.js';
import { startSupervisord } from './lib/supervisord.js';

const FRESH = 'fresh socat call (spawn → exit)';
const PING = 'ping-pong on one connection';
const PIPE = 'pipelined on one connection';
/** Ping-pong runs in this many blocks per subject, alternating subjects, each on a new connection. */
const PING_BLOCKS = 10;
const PING_BLOCK_WARMUP = 100;

/** Runs `socat - UNIX-CONNECT:path` with `input`; resolves with its duration and output. */
function socatOnce(path, input) {
	return new Promise((resolve, reject) => {
		const t0 = performance.now();
		const child = spawn('socat', ['-', `UNIX-CONNECT:${path}`], { stdio: ['pipe', 'pipe', 'pipe'] });
		if (child.pid !== undefined) track(child.pid, 'socat');
		let out = '';
		let err = '';
		child.stdout.on('data', c => (out += c.toString('latin1')));
		child.stderr.on('data', c => (err += c.toString('latin1')));
		child.on('error', reject);
		child.on('close', code => {
			const ms = performance.now() - t0;
			if (code !== 0) reject(new Error(`socat exited ${code}: ${err.trim()}`));
			else resolve({ ms, out });
		});
		child.stdin.end(input);
	});
}

async function freshCalls(path, input, expect, n) {
	const samples = [];
	for (let i = 0; i < n; i++) {
		const { ms, out } = await socatOnce(path, input);
		if (!expect(out)) throw new Error(`unexpected answer ${JSON.stringify(out.slice(0, 120))}`);
		samples.push(ms);
	}
	return samples;
}

function openSocket(path) {
	return new Promise((resolve, reject) => {
		const s = connect(path);
		s.once('connect', () => resolve(s));
		s.once('error', reject);
	});
}

/**
 * One `echo\tI` in flight at a time on one connection: latency of each, in µs, after `warmup`
 * unmeasured rounds. A reply is complete when the received bytes end with LF.
 */
async function pingPongLines(path, n, warmup) {
	const socket = await openSocket(path);
	socket.setNoDelay?.(true);
	const latencies = new Float64Array(n);
	await new Promise((resolve, reject) => {
		let i = -warmup;
		let t0 = 0;
		let got = '';
		const send = () => {
			t0 = performance.now();
			socket.write(`echo\t${i}\n`);
		};
		socket.on('error', reject);
		socket.on('data', chunk => {
			got += chunk.toString('latin1');
			if (got.charCodeAt(got.length - 1) !== 10) return;
			const us = (performance.now() - t0) * 1000;
			if (got !== `${i}\n`) {
				reject(new Error(`expected ${i}, got ${JSON.stringify(got.slice(0, 80))}`));
				return;
			}
			got = '';
			if (i >= 0) latencies[i] = us;
			if (++i === n) resolve(undefined);
			else send();
		});
		send();
	});
	socket.destroy();
	return [...latencies];
}

/**
 * `n` `echo\tI` lines written as fast as the socket takes them while the replies are counted;
 * commands per second from the first write to the last reply (which must be `n-1`).
 */
async function pipelinedLines(path, n) {
	const socket = await openSocket(path);
	const CHUNK_LINES = 4096;
	let lines = 0;
	let tail = Buffer.alloc(0);
	const t0 = performance.now();
	const done = new Promise((resolve, reject) => {
		socket.on('error', reject);
		socket.on('data', chunk => {
			for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
			tail = chunk.length >= 16 ? chunk.subarray(chunk.length - 16) : Buffer.concat([tail, chunk]).subarray(-16);
			if (lines >= n) resolve(performance.now());
		});
	});
	for (let i = 0; i < n;) {
		let text = '';
		const end = Math.min(n, i + CHUNK_LINES);
		for (; i < end; i++) text += `echo\t${i}\n`;
		if (!socket.write(Buffer.from(text, 'latin1'))) await new Promise(resolve => socket.once('drain', resolve));
	}
	const t1 = await done;
	socket.destroy();
	const last = tail.toString('latin1').split('\n').at(-2);
	if (lines !== n || last !== String(n - 1))
		throw new Error(`pipelined: ${lines} replies of ${n}, last ${JSON.stringify(last)}`);
	return n / ((t1 - t0) / 1000);
}

await main(async options => {
	const q = options.quick;
	const freshRuns = options.runs ?? (q ? 3 : 40);
	const pingN = q ? 200 : 20_000;
	const pingWarm = q ? 50 : 2_000;
	const pipeN = q ? 2_000 : 200_000;
	const pipeRuns = options.runs ?? (q ? 1 : 5);
	const peers = await preparePeers(options);
	const report = new Report(
		"a script's round trip",
		`(1) ${freshRuns} fresh \`socat - UNIX-CONNECT:…\` processes per subject, interleaved round by round, each sending one echo ` +
			`(supervisord: one XML-RPC supervisor.getPID POST) and exiting once the server closes; timed from spawn to exit. ` +
			`(2) ${pingN} echo round trips, one in flight, in ${PING_BLOCKS} blocks alternating between subjects, each on one ` +
			`open connection (after ${pingWarm} unmeasured, then ${PING_BLOCK_WARMUP} per block), ` +
			'supervisord: getPID on a kept-alive HTTP/1.1 connection, pm2: its RPC ping (the socket its CLI uses). ' +
			`(3) ${pipeN} echo commands written back to back on one connection; commands/s until the last answer. ` +
			`${pipeRuns} runs of (3), alternating.`,
	);
	const echoInput = 'echo\tping\n';
	const isPong = out => out === 'ping\n';

	// The fresh calls of all subjects are interleaved round by round, so that the load of a shared
	// machine falls on each alike; the other measures run one subject at a time.
	const dp = await startDaemonproxy(tempDir());
	dp.client.close();
	const floor = await startLineServer(tempDir());
	/** @type {Array<{subject: string, path: string, input: string, expect: (out: string) => boolean, samples: number[]}>} */
	const fresh = [
		{ subject: 'daemonproxy', path: dp.socket, input: echoInput, expect: isPong, samples: [] },
		{ subject: 'node line server (floor)', path: floor.socket, input: echoInput, expect: isPong, samples: [] },
	];
	let sv = null;
	await withPeer(
		peers,
		'supervisord',
		report,
		[
			[FRESH, 'ms'],
			[PING, 'us'],
		],
		async () => {
			sv = await startSupervisord(tempDir());
			const pid = sv.pid;
			fresh.push({
				subject: 'supervisord',
				path: sv.socket,
				samples: [],
				input: xmlrpcRequest('supervisor.getPID', [], { close: true }).toString('latin1'),
				expect: out => out.startsWith('HTTP/1.') && out.includes(`<int>${pid}</int>`),
			});
		},
	);
	try {
		for (let round = 0; round < freshRuns; round++) {
			for (const f of fresh) f.samples.push(...(await freshCalls(f.path, f.input, f.expect, 1)));
		}
		for (const f of fresh) report.add(FRESH, f.subject, 'ms', f.samples);
		// Ping-pong in blocks and pipelined runs, both alternating between daemonproxy and the floor.
		const lineSubjects = [
			['daemonproxy', dp.socket],
			['node line server (floor)', floor.socket],
		];
		const latencies = new Map(lineSubjects.map(([subject]) => [subject, []]));
		const rates = new Map(lineSubjects.map(([subject]) => [subject, []]));
		const blocks = q ? 2 : PING_BLOCKS;
		for (let block = 0; block < blocks; block++) {
			for (const [subject, path] of lineSubjects) {
				latencies
					.get(subject)
					.push(...(await pingPongLines(path, Math.ceil(pingN / blocks), block === 0 ? pingWarm : PING_BLOCK_WARMUP)));
			}
		}
		for (let run = 0; run < pipeRuns; run++) {
			for (const [subject, path] of lineSubjects) rates.get(subject).push(await pipelinedLines(path, pipeN));
		}
		for (const [subject] of lineSubjects) {
			report.add(PING, subject, 'us', latencies.get(subject));
			report.add(PIPE, subject, '/s', rates.get(subject));
		}
		if (sv) {
			const keepAlive = xmlrpcRequest('supervisor.getPID');
			const n = Math.max(50, Math.floor(pingN / 10));
			for (let i = 0; i < Math.floor(pingWarm / 10); i++) await sv.http.request(keepAlive);
			const latencies = [];
			for (let i = 0; i < n; i++) {
				const t0 = performance.now();
				await sv.http.request(keepAlive);
				latencies.push((performance.now() - t0) * 1000);
			}
			report.add(PING, 'supervisord', 'us', latencies);
			report.skip(PIPE, 'supervisord', '/s', 'its HTTP server answers one request at a time');
		}
	} finally {
		await dp.stop();
		await floor.stop();
		await sv?.stop();
	}

	await withPeer(
		peers,
		'pm2',
		report,
		[
			[PING, 'us'],
			[PIPE, '/s'],
		],
		async () => {
			const pm2 = await startPm2();
			try {
				report.skip(
					FRESH,
					'pm2',
					'ms',
					"its RPC socket speaks axon's binary framing: no socat route (its CLI is a Node program)",
				);
				const n = Math.max(50, Math.floor(pingN / 10));
				for (let i = 0; i < Math.floor(pingWarm / 10); i++) await pm2.remote('ping');
				const latencies = [];
				for (let i = 0; i < n; i++) {
					const t0 = performance.now();
					await pm2.remote('ping');
					latencies.push((performance.now() - t0) * 1000);
				}
				report.add(PING, 'pm2', 'us', latencies);
				const rates = [];
				const m = Math.max(500, Math.floor(pipeN / 10));
				for (let run = 0; run < pipeRuns; run++) {
					const t0 = performance.now();
					const calls = [];
					for (let i = 0; i < m; i++) calls.push(pm2.remote('ping'));
					const answers = await Promise.all(calls);
					if (answers.some(a => a?.msg !== 'pong')) throw new Error('pm2 ping: unexpected answer');
					rates.push(m / ((performance.now() - t0) / 1000));
				}
				report.add(PIPE, 'pm2', '/s', rates);
			} finally {
				await pm2.stop();
			}
		},
	);

	report.target(FRESH, 'daemonproxy fresh socat call ≤ 5 ms', v => [v <= 5, `${v.toFixed(2)} ms`]);
	report.target(PING, 'daemonproxy ping-pong median ≤ 100 µs', v => [v <= 100, `${v.toFixed(1)} µs`]);
	report.target(PIPE, 'daemonproxy pipelined ≥ 150,000 commands/s', v => [
		v >= 150_000,
		`${Math.round(v).toLocaleString('en-US')}/s`,
	]);
	if (peers.size > 0) report.note(describePeers(peers));
	report.finish(options);
});
