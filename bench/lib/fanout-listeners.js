#!/usr/bin/env node
// The subscribers of the fan-out scenario, in a process of their own so that reading them never
// delays the controller. Opens COUNT connections, prints "ready" once each has answered an
// echo, then hashes (SHA-1) and counts every line each connection receives up to and including
// the marker line; when every connection has seen it, prints one JSON result line and exits.
// Usage:
//   node fanout-listeners.js dp SOCKET COUNT MARKER     daemonproxy control socket
//   node fanout-listeners.js pm2 PM2_MODULE COUNT MARKER  pm2 bus (PM2_HOME from the environment)

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { connect } from 'node:net';

const [mode, target, countText, marker] = process.argv.slice(2);
const count = Number(countText);
if (!mode || !target || !(count > 0) || !marker) {
	process.stderr.write('usage: fanout-listeners.js dp|pm2 TARGET COUNT MARKER\n');
	process.exit(2);
}

/** @typedef {{hash: import('node:crypto').Hash, lines: number, endNs: bigint | null, tail: string}} Tally */
/** @type {Tally[]} */
const tallies = [];
let finished = 0;

function finish(tally) {
	tally.endNs = process.hrtime.bigint();
	if (++finished < count) return;
	const connections = tallies.map(t => ({ lines: t.lines, digest: t.hash.digest('hex'), endNs: String(t.endNs) }));
	process.stdout.write(`${JSON.stringify({ connections })}\n`, () => process.exit(0));
}

/** The daemon's listen backlog is 128: connect in batches, each waiting for its echo. */
const CONNECT_BATCH = 64;

function subscribe(k, markerBytes) {
	return new Promise((resolve, reject) => {
		const socket = connect(target);
		/** @type {Tally} */
		const tally = { hash: createHash('sha1'), lines: 0, endNs: null, tail: '' };
		tallies[k] = tally;
		let ready = false;
		let pending = Buffer.alloc(0);
		socket.on('error', reject);
		socket.on('connect', () => socket.write(`echo\tready-${k}\n`));
		socket.on('data', chunk => {
			if (!ready) {
				// The only line before "ready" is our own echo; nothing is broadcast until we say so.
				const text = chunk.toString('latin1');
				const lf = text.indexOf('\n');
				if (text.slice(0, lf) !== `ready-${k}`) return reject(new Error(`connection ${k}: ${JSON.stringify(text)}`));
				ready = true;
				resolve(socket);
				chunk = chunk.subarray(lf + 1);
				if (chunk.length === 0) return;
			}
			if (tally.endNs !== null) return;
			tally.hash.update(chunk);
			for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) tally.lines++;
			// The marker may straddle two chunks: search the end of the previous one too.
			const window = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
			if (window.indexOf(markerBytes) !== -1) finish(tally);
			else pending = window.subarray(Math.max(0, window.length - markerBytes.length));
		});
	});
}

async function daemonproxy() {
	const markerBytes = Buffer.from(marker, 'latin1');
	for (let k = 0; k < count; k += CONNECT_BATCH) {
		const batch = [];
		for (let j = k; j < Math.min(count, k + CONNECT_BATCH); j++) batch.push(subscribe(j, markerBytes));
		await Promise.all(batch);
	}
	process.stdout.write('ready\n');
}

async function pm2() {
	const require = createRequire(import.meta.url);
	const PM2 = require(target);
	await Promise.all(
		Array.from(
			{ length: count },
			() =>
				new Promise((resolve, reject) => {
					const api = new PM2.custom({});
					/** @type {Tally} */
					const tally = { hash: createHash('sha1'), lines: 0, endNs: null, tail: '' };
					tallies.push(tally);
					api.Client.launchBus((error, bus) => {
						if (error) return reject(error);
						bus.on('process:event', packet => {
							if (tally.endNs !== null) return;
							const line = `${packet.event}\t${packet.process?.name}\t${packet.process?.pm_id}\t${packet.at}\n`;
							tally.hash.update(line);
							tally.lines++;
							if (packet.process?.name === marker && packet.event === 'online') finish(tally);
						});
						resolve(undefined);
					});
				}),
		),
	);
	process.stdout.write('ready\n');
}

if (mode === 'dp') await daemonproxy();
else if (mode === 'pm2') await pm2();
else {
	process.stderr.write(`unknown mode ${mode}\n`);
	process.exit(2);
}
