// supervisord as a benchmark peer: found on PATH or installed once with apt-get (Debian package
// `supervisor`, only when running as root); run in the foreground (nodaemon) with a generated
// config in a fresh temp folder, its XML-RPC interface on a UNIX socket there. Stopped by pid.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HttpClient } from './http-client.js';
import { killTree, settle, spawnTracked } from './procs.js';

const run = promisify(execFile);

function onPath(name) {
	for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
		if (dir && existsSync(join(dir, name))) return join(dir, name);
	}
	return null;
}

let binary = null;

/** Finds supervisord, installing Debian's `supervisor` when missing; null when usable, else why not. */
export async function ensureSupervisord() {
	binary = onPath('supervisord');
	if (binary) return null;
	if (process.getuid?.() !== 0)
		return 'supervisord is not installed and installing it needs root (apt-get install supervisor)';
	if (!onPath('apt-get')) return 'supervisord is not installed and there is no apt-get to install it';
	process.stderr.write(
		'bench: installing supervisor with apt-get (apt-get update && apt-get install -y supervisor)…\n',
	);
	try {
		await run('apt-get', ['update'], { timeout: 300_000 });
		await run('apt-get', ['install', '-y', 'supervisor'], {
			timeout: 300_000,
			env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
		});
	} catch (error) {
		return `apt-get install supervisor failed: ${String(/** @type {Error} */ (error).message).split('\n')[0]}`;
	}
	binary = onPath('supervisord');
	return binary ? null : 'apt-get installed supervisor but supervisord is not on PATH';
}

export async function supervisordVersion() {
	const { stdout } = await run(binary ?? 'supervisord', ['--version']);
	return stdout.trim();
}

/**
 * One [program:x] section. Output goes nowhere (the benchmarks measure supervision, not logging);
 * `extra` adds or overrides keys.
 */
export function programSection(name, command, extra = {}) {
	const keys = {
		command,
		autostart: 'true',
		autorestart: 'true',
		startsecs: '1',
		stdout_logfile: 'NONE',
		stderr_logfile: 'NONE',
		...extra,
	};
	return `[program:${name}]\n${Object.entries(keys)
		.map(([k, v]) => `${k}=${v}`)
		.join('\n')}\n`;
}

/**
 * @typedef {{pid: number, dir: string, socket: string, rpc(method: string, ...params: unknown[]): Promise<string>, http: HttpClient, stop(): Promise<void>}} SupervisordSubject
 */

/**
 * Starts supervisord with `sections` (program sections) in its main config and an [include] of
 * DIR/conf.d/*.conf for programs added later. Ready once getState answers RUNNING (a large
 * config can take supervisord a while: raise readyTimeoutMs).
 * @returns {Promise<SupervisordSubject>}
 */
export async function startSupervisord(dir, sections = [], { readyTimeoutMs = 30_000 } = {}) {
	const socket = join(dir, 'sv.sock');
	mkdirSync(join(dir, 'conf.d'), { recursive: true });
	const config = join(dir, 'supervisord.conf');
	writeFileSync(
		config,
		[
			'[unix_http_server]',
			`file=${socket}`,
			'chmod=0700',
			'',
			'[supervisord]',
			'nodaemon=true',
			`logfile=${join(dir, 'supervisord.log')}`,
			`pidfile=${join(dir, 'supervisord.pid')}`,
			`childlogdir=${dir}`,
			'minfds=16384',
			'minprocs=8192',
			'loglevel=warn',
			'',
			'[rpcinterface:supervisor]',
			'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
			'',
			'[supervisorctl]',
			`serverurl=unix://${socket}`,
			'',
			'[include]',
			`files = ${join(dir, 'conf.d')}/*.conf`,
			'',
			...sections,
		].join('\n'),
	);
	const log = openSync(join(dir, 'supervisord.out'), 'a');
	const child = spawnTracked(
		binary ?? 'supervisord',
		['-c', config],
		{ stdio: ['ignore', log, log], cwd: dir },
		'supervisord',
	);
	closeSync(log);
	const pid = /** @type {number} */ (child.pid);
	let http;
	try {
		http = await HttpClient.connect(socket, { timeoutMs: readyTimeoutMs });
		const deadline = performance.now() + readyTimeoutMs;
		while (!(await http.xmlrpc('supervisor.getState', [], readyTimeoutMs)).includes('RUNNING')) {
			if (performance.now() > deadline) throw new Error('supervisord did not reach RUNNING');
			await new Promise(resolve => setTimeout(resolve, 10));
		}
	} catch (error) {
		http?.close();
		killTree(pid); // never leave a half-started peer running beside the next measurement
		throw error;
	}
	const rpc = (method, ...params) => http.xmlrpc(method, params);
	return {
		pid,
		dir,
		socket,
		rpc,
		http,
		async stop() {
			http.close();
			killTree(pid);
			await settle();
		},
	};
}
