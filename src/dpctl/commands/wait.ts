// `dpctl wait PATTERN [FIELD…]`: exit 0 as soon as an event matches (e.g. `dpctl wait
// service.state:web up`), printing it; 99 at --timeout. FIELDs are globs for the fields after
// the name (for service.state: STATE, TS, PID, REASON, VALUE…; for readiness, `dpctl wait
// service.status:web ready=yes`). By default the current state
// counts too (a statedump is checked after subscribing, so nothing slips between); --no-current
// waits for a new event only.

import { DaemonError } from '../../client/errors.js';
import { compilePatterns, eventItem, type EventItem } from '../../client/event-stream.js';
import { globMatch, matchesAny, type Pattern } from '../../protocol/patterns.js';
import { EXIT, usageError } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { wireFromArg } from '../output.js';
import { deadline, openClient, stdout } from '../session.js';
import { printEvent } from './watch.js';

/** Whether the fields after the event's name match the FIELD globs (`*` matches any run). */
export function fieldsMatch(item: EventItem, globs: readonly string[]): boolean {
	const fields = item.line.split('\t').slice(2);
	return globs.every((g, i) => fields[i] !== undefined && globMatch(g.split('*'), fields[i] ?? ''));
}

export const waitCommand: DpctlCommand = {
	command: 'wait <pattern> [fields..]',
	describe: 'wait until an event matches PATTERN (and FIELD globs), then print it; e.g. wait service.state:web up',
	builder: {
		current: { type: 'boolean', describe: 'let the current state match (default; --no-current waits for a new event)' },
	},
	async handler(args) {
		const pattern = wireFromArg(String(args['pattern']));
		const globs = (Array.isArray(args['fields']) ? args['fields'] : []).map(f => wireFromArg(String(f)));
		let compiled: Pattern[];
		try {
			compiled = compilePatterns([pattern]);
		} catch (error: unknown) {
			throw usageError((error as Error).message);
		}
		const limit = deadline(args, null);
		const client = await openClient(args, limit.signal);
		const out = stdout();
		try {
			const stream = client.events([pattern], { signal: limit.signal });
			if (args['current'] !== false) {
				// Explicit-only topics (service.status) are in the dump only once subscribed to by name.
				await client.subscribe([pattern], { signal: limit.signal }).catch((error: unknown) => {
					if (!(error instanceof DaemonError)) throw error;
				});
				const { lines } = await client.statedump({ signal: limit.signal });
				for (const line of lines) {
					const item = eventItem(line, null, 'live');
					if (matchesAny(compiled, item.topic, item.subject) && fieldsMatch(item, globs)) {
						printEvent(out, item, args.json === true);
						return EXIT.ok;
					}
				}
			}
			for await (const item of stream) {
				if (item.kind === 'event' && fieldsMatch(item, globs)) {
					printEvent(out, item, args.json === true);
					return EXIT.ok;
				}
			}
			return EXIT.system; // the stream ended: the connection is gone
		} finally {
			client.destroy();
		}
	},
};
