// The supervisor's ports (src/supervisor/ports.ts) on the real system: the monotonic clock with
// libuv timers, posix_spawn and kill(2) through the OS layer, close(2).

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

export const systemHost: ProcessHost = {
	spawn(plan) {
		try {
			return { ok: true, pid: sys.spawn({ file: plan.argv[0] ?? '', argv: [...plan.argv], fds: [...plan.fds] }) };
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
