// What the dpctl integration tests share: a real daemon on a fresh socket, and the real dpctl
// binary run against it with execa (never through a shell), its output as latin1 text.
// Every call has a deadline; nothing here sleeps.

import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { execa } from 'execa';
import { DEFAULT_TIMEOUT_MS, dpctlBin, startDaemon, tempDir, waitForPath, type Daemon } from './helpers/daemon.js';

export interface SocketDaemon {
	readonly daemon: Daemon;
	readonly socket: string;
	readonly dir: string;
}

/** `daemonproxy -S DIR/d.sock [extra…]`, not interactive; resolves once the socket exists. */
export async function startSocketDaemon(t: ExecutionContext, extra: string[] = []): Promise<SocketDaemon> {
	const dir = await tempDir(t);
	const socket = join(dir, 'd.sock');
	const daemon = await startDaemon(t, ['-S', socket, ...extra], { interactive: false });
	await waitForPath(socket);
	return { daemon, socket, dir };
}

export interface DpctlResult {
	readonly exitCode: number | undefined;
	readonly stdout: string;
	readonly stderr: string;
	readonly lines: string[];
}

export interface DpctlOptions {
	readonly env?: Record<string, string>;
	readonly timeoutMs?: number;
}

/** Runs `node bin/dpctl.js ARGS…` with DAEMONPROXY_SOCKET set to `socket`. */
export async function dpctl(socket: string, args: readonly string[], options: DpctlOptions = {}): Promise<DpctlResult> {
	const result = await execa(process.execPath, [dpctlBin, ...args], {
		env: { DAEMONPROXY_SOCKET: socket, NO_COLOR: '', DPCTL_PROTOCOL: '', ...options.env },
		reject: false,
		timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
		encoding: 'latin1',
		stdin: 'ignore',
	});
	const stdout = String(result.stdout);
	return {
		exitCode: result.exitCode,
		stdout,
		stderr: String(result.stderr),
		lines: stdout === '' ? [] : stdout.replace(/\n$/, '').split('\n'),
	};
}

/**
 * A --timeout value (text, in seconds): `seconds` beyond what `dpctl ARGS` (a Node start, a
 * connection, a statedump for `status`) takes here and now. --timeout is dpctl's whole budget,
 * connecting included, and on a loaded machine that part alone can outlast a fraction of a second.
 */
export async function timeoutBeyond(
	socket: string,
	seconds: number,
	args: readonly string[] = ['echo'],
): Promise<string> {
	const started = performance.now();
	const result = await dpctl(socket, args);
	if (result.exitCode !== 0)
		throw new Error(`dpctl ${args.join(' ')}: exit ${String(result.exitCode)}: ${result.stderr}`);
	return ((performance.now() - started) / 1000 + seconds).toFixed(1);
}

/** A dpctl bound to one socket and protocol mode. */
export function dpctlFor(
	socket: string,
	mode = 'auto',
): (args: readonly string[], options?: DpctlOptions) => Promise<DpctlResult> {
	return (args, options = {}) => dpctl(socket, args, { ...options, env: { DPCTL_PROTOCOL: mode, ...options.env } });
}

/** Every request mode dpctl has; `tagged` needs a daemon with request tags (design §4). */
export const MODES = ['auto', 'echo', 'tagged'] as const;
