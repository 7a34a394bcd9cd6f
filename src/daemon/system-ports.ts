// The supervisor's ports (src/supervisor/ports.ts) on the real system: the monotonic clock with
// libuv timers, posix_spawn and kill(2) through the OS layer, close(2). A child inherits the
// daemon's environment, plus what service.env and service.notify add.

import * as sys from '../os/sys.js';
import type { Clock, CloseFd, ProcessHost } from '../supervisor/ports.js';

export const systemClock: Clock = {
	now: sys.monotonicMs,
	setTimer(ms, fire) {
		if (ms <= 0) {
			// setImmediate, not setTimeout(0): the latter costs a millisecond of restart latency.
			const handle = setImmediate(fire);
			return () => clearImmediate(handle);
		}
		const handle = setTimeout(fire, ms);
		return () => clearTimeout(handle);
	},
};

/**
 * The daemon's environment now (latin1 wire text: one char per byte) with `extra` KEY=VALUE
 * entries added; an extra key replaces the daemon's, a later extra an earlier one.
 */
export function childEnvironment(extra: readonly string[]): string[] {
	const env = new Map<string, string>();
	const bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
	for (const [key, value] of Object.entries(process.env)) {
		if (value !== undefined) env.set(bytes(key), `${bytes(key)}=${bytes(value)}`);
	}
	for (const entry of extra) env.set(entry.slice(0, entry.indexOf('=')), entry);
	return [...env.values()];
}

export const systemHost: ProcessHost = {
	spawn(plan) {
		try {
			const env = plan.env.length === 0 ? {} : { env: childEnvironment(plan.env) };
			return {
				ok: true,
				pid: sys.spawn({ file: plan.argv[0] ?? '', argv: [...plan.argv], fds: [...plan.fds], ...env }),
			};
		} catch (error: unknown) {
			const { code = 'EIO', message } = error as sys.SysError;
			return { ok: false, code, message };
		}
	},
	kill(pid, signal) {
		sys.kill(pid, signal);
	},
};

export const closeFd: CloseFd = fd => sys.close(fd);
