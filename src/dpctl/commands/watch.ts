// `dpctl watch [PATTERN…]`: live events (subscription patterns, e.g. `service.state:web*`), raw
// lines when piped (what a 1.1 controller reads), one readable line each on a terminal, or one
// JSON object per line. After lost events it prints `overflow` and the fresh state as event
// lines. Ends at --timeout (exit 0), on a lost connection (111) or when the reader goes away.

import { formatEvent, type DaemonEvent } from '../../protocol/events.js';
import { compilePatterns, eventItem, type EventItem } from '../../client/event-stream.js';
import { sortedNames, type Snapshot } from '../../client/snapshot.js';
import { describeEvent } from '../describe-event.js';
import { EXIT, usageError } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { jsonWire, wireFromArg, type Output } from '../output.js';
import { deadline, openClient, stdout } from '../session.js';

/** The snapshot as the event lines a statedump would have sent, in its order. */
export function snapshotEvents(snap: Snapshot): DaemonEvent[] {
	const byName = <T>(m: Map<string, T>): T[] => sortedNames(m.keys()).map(name => m.get(name) as T);
	const events: DaemonEvent[] = byName(snap.handles).map(h => ({
		type: 'fd.state',
		name: h.name,
		fdType: h.type,
		flags: h.flags,
		description: h.description,
	}));
	for (const s of byName(snap.services)) {
		events.push({
			type: 'service.state',
			name: s.name,
			state: s.state,
			ts: s.ts,
			pid: s.state === 'up' ? s.pid : s.lastPid,
			reason: s.exit?.reason ?? null,
			value: s.exit?.value ?? null,
			uptime: s.uptime,
			downtime: s.downtime,
		});
		events.push(
			{ type: 'service.tags', name: s.name, tags: s.tags },
			{ type: 'service.args', name: s.name, args: s.args },
			{ type: 'service.fds', name: s.name, fds: s.fds },
			{ type: 'service.auto_up', name: s.name, interval: s.autoUp.interval, triggers: s.autoUp.triggers },
		);
	}
	for (const sig of snap.signals.values())
		events.push({ type: 'signal', signal: sig.signal, ts: sig.ts, count: sig.count });
	return events;
}

export function jsonEvent(item: EventItem) {
	return {
		topic: item.topic,
		subject: item.subject === undefined ? null : jsonWire(item.subject),
		seq: item.seq,
		fields: item.line.split('\t').map(jsonWire),
	};
}

export function printEvent(out: Output, item: EventItem, json: boolean): void {
	if (json) out.json(jsonEvent(item));
	else if (out.isTTY) out.text(describeEvent(item, out));
	else out.wire(item.line);
}

export const watchCommand: DpctlCommand = {
	command: 'watch [patterns..]',
	describe: 'print events as they happen (patterns: TOPIC or TOPIC:NAME, * globs)',
	builder: {
		reconnect: { type: 'boolean', describe: 'reconnect when the connection is lost, resuming where it left off' },
	},
	async handler(args) {
		const patterns = (Array.isArray(args['patterns']) ? args['patterns'] : []).map(p => wireFromArg(String(p)));
		try {
			compilePatterns(patterns);
		} catch (error: unknown) {
			throw usageError((error as Error).message);
		}
		const limit = deadline(args, null);
		const client = await openClient(args, limit.signal, args['reconnect'] === true);
		const out = stdout();
		try {
			for await (const item of client.events(patterns, { signal: limit.signal })) {
				if (item.kind === 'event') printEvent(out, item, args.json === true);
				else {
					if (args.json) out.json({ resync: item.reason });
					else if (out.isTTY) out.text(out.paint('yellow', `-- events were lost (${item.reason}); the state now: --`));
					else out.wire('overflow');
					for (const e of snapshotEvents(item.snapshot))
						printEvent(out, eventItem(formatEvent(e), null, 'live'), args.json === true);
				}
			}
			return EXIT.ok;
		} catch (error: unknown) {
			if (error instanceof Error && error.name === 'TimeoutError') return EXIT.ok; // --timeout ends a watch normally
			throw error;
		} finally {
			client.destroy();
		}
	},
};
