#!/usr/bin/env node
// Summarises V8 CPU profiles (node --cpu-prof): self time per function, heaviest first, and the
// share of idle, GC and native time. Usage: node bench/profile-summary.js FILE.cpuprofile… [--top N]

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot } from './lib/paths.js';

const args = process.argv.slice(2);
let top = 25;
const files = [];
for (let i = 0; i < args.length; i++) {
	if (args[i] === '--top') top = Number(args[++i]);
	else files.push(/** @type {string} */ (args[i]));
}
if (files.length === 0) {
	process.stderr.write('usage: node bench/profile-summary.js FILE.cpuprofile… [--top N]\n');
	process.exit(2);
}

for (const file of files) {
	const profile = JSON.parse(readFileSync(file, 'utf8'));
	/** @type {Map<number, any>} */
	const nodes = new Map(profile.nodes.map(n => [n.id, n]));
	/** @type {Map<number, number>} self µs per node id, from the sample time deltas */
	const self = new Map();
	const samples = profile.samples ?? [];
	const deltas = profile.timeDeltas ?? [];
	for (let i = 0; i < samples.length; i++) {
		// timeDeltas[i] is the time before sample i; attribute the next delta to sample i.
		const us = deltas[i + 1] ?? 0;
		self.set(samples[i], (self.get(samples[i]) ?? 0) + us);
	}
	const total = [...self.values()].reduce((a, b) => a + b, 0);
	/** @type {Map<string, number>} */
	const byFunction = new Map();
	for (const [id, us] of self) {
		const frame = nodes.get(id).callFrame;
		const url = frame.url ? relative(repoRoot, frame.url.replace(/^file:\/\//, '')) : '';
		const key = `${frame.functionName || '(anonymous)'}  ${url}${url ? `:${frame.lineNumber + 1}` : ''}`;
		byFunction.set(key, (byFunction.get(key) ?? 0) + us);
	}
	const rows = [...byFunction].sort((a, b) => b[1] - a[1]);
	const busy = total - (byFunction.get('(idle)  ') ?? 0);
	process.stdout.write(`\n${file}: ${(total / 1e6).toFixed(2)} s profiled, ${(busy / 1e6).toFixed(2)} s busy\n`);
	process.stdout.write('  self ms   % busy  function  location\n');
	for (const [key, us] of rows.slice(0, top)) {
		const share = key.startsWith('(idle)') ? '' : `${((us / busy) * 100).toFixed(1)}%`;
		process.stdout.write(`  ${(us / 1000).toFixed(1).padStart(7)}  ${share.padStart(6)}  ${key}\n`);
	}
}
