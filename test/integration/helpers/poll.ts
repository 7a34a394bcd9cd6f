// The harness's clocks: default deadlines, and pollUntil for conditions no event announces
// (a file appearing, a socket accepting, a process vanishing). Polling a condition under a
// deadline is fine; sleeping a fixed time as synchronisation is not, so there is no sleep here.

import { setTimeout as delay } from 'node:timers/promises';

export const DEFAULT_TIMEOUT_MS = 5000;
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
