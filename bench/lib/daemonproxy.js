// daemonproxy as a benchmark subject: started from bin/daemonproxy with a control socket in a
// fresh folder, its log in a file there; ready once an echo comes back. stop() ends it and every
// service it started, by pid (services outlive the daemon by design, so they are listed first).
// With DAEMONPROXY_BENCH_NODE_ARGS set (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") the daemon
// runs as `node ARGS bin/daemonproxy.cjs` and is stopped with `terminate` so that node can write
// its profile; see bench/README.md, "Profiling".

import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineClient } from './line-client.js';
import { daemonBin, daemonJs } from './paths.js';
import { descendantsOf, killSnapshot, killTree, settle, snapshot, spawnTracked, waitGone } from './procs.js';

/**
 * @typedef {{pid: number, socket: string, dir: string, client: LineClient, connect(): Promise<LineClient>, stop(): Promise<void>}} DaemonproxySubject
 */

const envNodeArgs = (process.env.DAEMONPROXY_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

/**
 * @param {string} dir a fresh folder
 * @param {{args?: string[]}} [options] extra daemon arguments
 * @returns {Promise<DaemonproxySubject>}
 */
export async function startDaemonproxy(dir, options = {}) {
	const socket = join(dir, 'dp.sock');
	const log = openSync(join(dir, 'daemonproxy.log'), 'a');
	const args = ['-S', socket, ...(options.args ?? [])];
	const profiled = envNodeArgs.length > 0;
	const child = profiled
		? spawnTracked(
				process.execPath,
				[...envNodeArgs, daemonJs, ...args],
				{ stdio: ['ignore', log, log], cwd: dir },
				'daemonproxy',
			)
		: spawnTracked(daemonBin, args, { stdio: ['ignore', log, log], cwd: dir }, 'daemonproxy');
	closeSync(log);
	const pid = /** @type {number} */ (child.pid);
	let client;
	try {
		client = await LineClient.connect(socket);
		await client.command([]);
	} catch (error) {
		killTree(pid);
		let log = '';
		try {
			log = readFileSync(join(dir, 'daemonproxy.log'), 'latin1').trim().split('\n').slice(-5).join('\n  ');
		} catch {
			// no log at all
		}
		throw new Error(
			`daemonproxy did not start: ${/** @type {Error} */ (error).message}${log ? `\n  its log ends:\n  ${log}` : ''}`,
			{ cause: error },
		);
	}
	const connect = () => LineClient.connect(socket);
	return {
		pid,
		socket,
		dir,
		client,
		connect,
		async stop() {
			client.close();
			if (profiled) {
				// terminate lets node write its profile; the services, which outlive the daemon by
				// design, are listed first and killed by pid afterwards.
				const services = snapshot(descendantsOf(pid));
				const last = await connect().catch(() => null);
				await last?.write('terminate\t0\n');
				await waitGone(pid, 30_000);
				last?.close();
				killTree(pid);
				killSnapshot(services);
				killSnapshot(snapshot(descendantsOf(pid)));
				await settle();
				return;
			}
			killTree(pid);
			await settle();
		},
	};
}
