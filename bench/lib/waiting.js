// Small waiting helpers shared by the bench clients: connecting to a socket that may not exist
// yet, and sleeping until either a deadline or new input (the owner's `wake()` is called by
// its data handler).

import { connect as netConnect } from 'node:net';

/** Connects to `address` (a path, or `\0name`), retrying every `retryMs` until `timeoutMs`. */
export async function connectRetrying(address, label, timeoutMs, retryMs) {
	const deadline = performance.now() + timeoutMs;
	for (;;) {
		try {
			return await new Promise((resolve, reject) => {
				const s = netConnect(address);
				s.once('connect', () => {
					s.off('error', reject);
					resolve(s);
				});
				s.once('error', reject);
			});
		} catch (error) {
			if (performance.now() > deadline)
				throw new Error(`cannot connect to ${label}: ${/** @type {Error} */ (error).message}`, { cause: error });
			await new Promise(resolve => setTimeout(resolve, retryMs));
		}
	}
}

/** Resolves after `ms`, or as soon as something calls `owner.wake()`. */
export function waitForWake(owner, ms) {
	return new Promise(resolve => {
		const timer = setTimeout(resolve, ms);
		owner.wake = () => {
			clearTimeout(timer);
			owner.wake = null;
			resolve(undefined);
		};
	});
}
