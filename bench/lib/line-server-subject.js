// Starts bench/lib/line-server.js (the bare-Node floor) as a tracked process; ready once it
// prints "ready". stop() kills it by pid.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killTree, settle, spawnTracked } from './procs.js';

const serverJs = fileURLToPath(new URL('line-server.js', import.meta.url));

/** @returns {Promise<{pid: number, socket: string, stop(): Promise<void>}>} */
export async function startLineServer(dir) {
	const socket = join(dir, 'floor.sock');
	const child = spawnTracked(
		process.execPath,
		[serverJs, socket],
		{ stdio: ['ignore', 'pipe', 'inherit'] },
		'line server',
	);
	await new Promise((resolve, reject) => {
		child.once('exit', () => reject(new Error('line server exited')));
		child.stdout?.once('data', resolve);
	});
	const pid = /** @type {number} */ (child.pid);
	return {
		pid,
		socket,
		async stop() {
			killTree(pid);
			await settle();
		},
	};
}
