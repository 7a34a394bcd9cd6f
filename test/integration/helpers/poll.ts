// The harness's clocks: default deadlines, and pollUntil for the conditions nothing announces:
// what /proc shows of a process that is not our child (stopped, reparented, gone, its descriptor
// count), a terminal's screen, a listener on an abstract socket name. Lines are awaited with
// LineReader and files with watchPath (inotify), both woken by the event itself. Sleeping a fixed
// time as synchronisation is never fine, so there is no sleep here.

import { setTimeout as delay } from 'node:timers/promises';

/**
 * A safety net, not a synchronisation: waits end as soon as what they wait for happens, so this
 * only decides how long a broken test hangs. Generous, because a loaded machine (two busy CPUs
 * beside the suite) can take seconds to start a Node process.
 */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const POLL_INTERVAL_MS = 10;

/**
 * Calls `attempt` every POLL_INTERVAL_MS until it returns something other than undefined, and
 * resolves with that; an exception from `attempt` rejects at once. At the deadline it rejects
 * with `${what} within ${timeoutMs} ms` (`what` may be a function, evaluated then).
 */
export async function pollUntil<T>(
	attempt: () => T | undefined | Promise<T | undefined>,
	what: string | (() => string),
	timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<T> {
	const deadline = performance.now() + timeoutMs;
	for (;;) {
		const result = await attempt();
		if (result !== undefined) return result;
		if (performance.now() + POLL_INTERVAL_MS > deadline) {
			throw new Error(`${typeof what === 'string' ? what : what()} within ${timeoutMs} ms`);
		}
		await delay(POLL_INTERVAL_MS);
	}
}
