#!/usr/bin/env node
// The floor for round trips: a bare Node line server on a UNIX socket that answers `echo\tTEXT`
// with `TEXT` (and anything else with an error line), one write per received chunk. What
// daemonproxy's echo costs beyond this is the daemon's own parsing, dispatch and output path.
// Usage: node bench/lib/line-server.js SOCKET_PATH   (prints "ready" once listening)

import { createServer } from 'node:net';

const path = process.argv[2];
if (!path) {
	process.stderr.write('usage: line-server.js SOCKET_PATH\n');
	process.exit(2);
}
const server = createServer(socket => {
	let partial = '';
	socket.on('error', () => {});
	socket.on('end', () => socket.end());
	socket.on('data', chunk => {
		const text = partial + chunk.toString('latin1');
		let out = '';
		let start = 0;
		for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', start)) {
			const line = text.slice(start, lf);
			start = lf + 1;
			if (line.startsWith('echo\t')) out += `${line.slice(5)}\n`;
			else if (line !== 'echo') out += `error\tUnknown command: ${line}\n`;
		}
		partial = text.slice(start);
		if (out !== '') socket.write(Buffer.from(out, 'latin1'));
	});
});
server.listen(path, () => process.stdout.write('ready\n'));
