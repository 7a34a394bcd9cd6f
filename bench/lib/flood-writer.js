#!/usr/bin/env node
// The output benchmark's service: `flood-writer.js LINES WIDTH` writes LINES lines of WIDTH bytes
// (the line number padded with dots, then LF) to stdout as fast as the pipe takes them, then
// exits 0. Writes honour back-pressure, so the figure is how fast the reader drains the pipe.
const lines = Number(process.argv[2]);
const width = Number(process.argv[3]);
const CHUNK_BYTES = 256 * 1024;
process.stdout.on('error', () => process.exit(2));
let next = 1;
function pump() {
	while (next <= lines) {
		let chunk = '';
		while (next <= lines && chunk.length < CHUNK_BYTES) chunk += `${String(next++).padEnd(width - 1, '.')}\n`;
		if (!process.stdout.write(chunk)) {
			process.stdout.once('drain', pump);
			return;
		}
	}
}
pump();
