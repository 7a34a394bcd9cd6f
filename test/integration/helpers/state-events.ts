// Reading `service.state` events (spec §9.5) from a daemon's stdout: the fields of an event, a
// pattern for one service's state, and waiting for a service's next state event with a cursor per
// service (independent of d.command()).

import type { Daemon } from './daemon.js';
import { DEFAULT_TIMEOUT_MS } from './poll.js';

/** The fields of a `service.state` line after the name: [state, ts, pid, reason, value, uptime, downtime]. */
export function fields(line: string): string[] {
	return line.split('\t').slice(2); // [state, ts, pid, reason, value, uptime, downtime]
}

export function stateRe(name: string, state: string): RegExp {
	return new RegExp(`^service\\.state\\t${name.replaceAll('.', '\\.')}\\t${state}\\t`);
}

/** Where a test has read a daemon's stdout up to, for each service, independently of d.command(). */
export type Cursors = Map<string, number>;

/**
 * Waits for the next `state` event of `name` after the previous one this test waited for; returns
 * its fields and the service's state lines up to it.
 */
export async function next(
	d: Daemon,
	cursors: Cursors,
	name: string,
	state: string,
	timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<{ f: string[]; lines: string[] }> {
	const re = stateRe(name, state);
	const prefix = `service.state\t${name}\t`;
	const lines: string[] = [];
	return d.stdout.until(
		() => {
			let index = cursors.get(name) ?? 0;
			try {
				while (index < d.stdout.seen.length) {
					const line = d.stdout.seen[index++] ?? '';
					if (!line.startsWith(prefix)) continue;
					lines.push(line);
					if (re.test(line)) return { f: fields(line), lines };
				}
				return undefined;
			} finally {
				cursors.set(name, index);
			}
		},
		`the ${state} event of ${name}`,
		timeoutMs,
	);
}
