// pm2 as a benchmark peer: installed with npm into a cache folder under the system temp dir
// (never into the project), run with its own PM2_HOME in a fresh temp folder, driven through its
// programmatic API (the same RPC socket its CLI uses). Stopped with `pm2 kill`, then by pid.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './paths.js';
import { killTree, onCleanup, processState, settle, startTime, track, waitGone, waitUntil } from './procs.js';

const run = promisify(execFile);
export const PM2_PACKAGE = 'pm2@7';
const prefix = join(tmpdir(), 'daemonproxy-bench-peers', 'pm2');
const moduleDir = join(prefix, 'node_modules', 'pm2');
/** Where pm2's package is (for helper processes that load its API). */
export const pm2ModuleDir = moduleDir;
const cliPath = join(moduleDir, 'bin', 'pm2');

/** Installs pm2 (once) with `npm install --prefix`; returns null when it works, else why not. */
export async function ensurePm2() {
	if (existsSync(join(moduleDir, 'package.json'))) return null;
	process.stderr.write(`bench: installing ${PM2_PACKAGE} into ${prefix} (npm install --prefix)…\n`);
	try {
		await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', PM2_PACKAGE], { timeout: 300_000 });
		return null;
	} catch (error) {
		return `npm install ${PM2_PACKAGE} failed: ${String(/** @type {Error} */ (error).message).split('\n')[0]}`;
	}
}

export function pm2Version() {
	return JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')).version;
}

/** One PM2_HOME per bench process: pm2's module reads it once, when it is first loaded. */
let home = null;
let api = null;
/** The daemon started last and not yet stopped. */
let livePid = null;

function loadApi() {
	if (api) return api;
	home = join(tempDir('dpb-pm2-'), 'home');
	process.env.PM2_HOME = home;
	process.env.PM2_SILENT = 'true';
	const require = createRequire(import.meta.url);
	const PM2 = require(moduleDir);
	api = new PM2.custom({ cwd: home });
	// Whatever else happens, a daemon of this PM2_HOME still running is told to stop by its own
	// CLI (only then: `pm2 kill` would first start a daemon when none runs, and leave it a zombie).
	onCleanup(async () => {
		if (livePid === null || processState(livePid) === null) return;
		await run(process.execPath, [cliPath, 'kill'], { env: { ...process.env, PM2_HOME: home }, timeout: 30_000 }).catch(
			() => {},
		);
	});
	return api;
}

function call(method, ...args) {
	const pm2 = loadApi();
	return new Promise((resolve, reject) => {
		pm2[method](...args, (error, result) => (error ? reject(error) : resolve(result)));
	});
}

/**
 * @typedef {{pid: number, api: any, remote(method: string, arg?: unknown): Promise<any>, start(apps: object[]): Promise<void>, list(): Promise<any[]>, stop(): Promise<void>}} Pm2Subject
 */

/** Starts a fresh pm2 daemon (God) and connects to it. @returns {Promise<Pm2Subject>} */
export async function startPm2() {
	const pm2 = loadApi();
	await call('connect');
	// (a daemon that never wrote its pid file is ended by the `pm2 kill` cleanup)
	const pidFile = join(/** @type {string} */ (home), 'pm2.pid');
	const pid = await waitUntil(
		'pm2 pid file',
		() => {
			try {
				const value = Number(readFileSync(pidFile, 'latin1').trim());
				return value > 0 && startTime(value) !== null ? value : undefined;
			} catch {
				return undefined;
			}
		},
		{ timeoutMs: 15_000, intervalMs: 10 },
	);
	track(pid, 'pm2 daemon');
	livePid = pid;
	return {
		pid,
		home: /** @type {string} */ (home),
		api: pm2,
		remote: (method, arg = {}) =>
			new Promise((resolve, reject) => {
				pm2.Client.executeRemote(method, arg, (error, result) => (error ? reject(error) : resolve(result)));
			}),
		start: apps => call('start', { apps }),
		list: () => call('list'),
		async stop() {
			try {
				await call('killDaemon');
			} catch {
				// killed below by pid anyway
			}
			await call('disconnect').catch(() => {});
			// The daemon is our child (pm2 spawned it from this process): wait until Node reaped it.
			await waitGone(pid, 10_000, { reaped: true });
			killTree(pid);
			await settle();
			if (livePid === pid) livePid = null;
		},
	};
}
