// The event-stream commands of one connection: subscriptions by pattern, sequence
// numbers, and resuming from a number after a reconnect or an overflow.
// Invariants: a failed command changes nothing; during a replay live events wait in the ring and
// the replay catches up with them, so the connection sees every number once and in order.
// Must never buffer events per connection: the ring (event-ring.ts) is the only store.

import { parseInteger } from '../../protocol/fields.js';
import { SEQ_OFF_LINE, gapLine, liveLine, seqOnLine } from '../../protocol/stream-lines.js';
import type { Verb } from '../../protocol/verbs.js';
import { listArgument, type CommandContext, type CommandHandler } from '../command-context.js';
import type { Controller } from '../controller.js';
import type { EventRing } from '../event-ring.js';
import { EXT_MSG, permissionDenied } from '../messages.js';
import { Subscriptions, namesAuditTopic } from '../subscriptions.js';

function subscribe(ctx: CommandContext): void {
	const sources = listArgument(ctx.args);
	if (sources.length === 0) return ctx.fail(EXT_MSG.expectedPattern);
	const patterns = Subscriptions.compile(sources);
	if (typeof patterns === 'string') return ctx.fail(patterns);
	// Audit lines quote other people's commands: admins only.
	if (ctx.role !== 'admin' && patterns.some(namesAuditTopic)) return ctx.fail(permissionDenied(ctx.role));
	const problem = ctx.controller.subscriptions.add(patterns);
	if (problem !== null) ctx.fail(problem);
}

function unsubscribe(ctx: CommandContext): void {
	const sources = listArgument(ctx.args);
	if (sources.length === 0) return ctx.controller.subscriptions.clear();
	const patterns = Subscriptions.compile(sources);
	if (typeof patterns === 'string') return ctx.fail(patterns);
	ctx.controller.subscriptions.remove(sources);
}

function seq(ctx: CommandContext): void {
	const mode = ctx.args[0];
	const { controller, host } = ctx;
	if (mode === 'on') {
		controller.delivery.seqMode = true;
		ctx.reply(seqOnLine(host.events.newestSeq, host.streamId));
	} else if (mode === 'off') {
		controller.delivery.seqMode = false;
		ctx.reply(SEQ_OFF_LINE);
	} else {
		ctx.fail(EXT_MSG.expectedOnOff);
	}
}

function resume(ctx: CommandContext): Iterable<string> | void {
	const [seqField, stream] = ctx.args;
	const after = parseInteger(seqField);
	if (after === null || after < 0n || after > BigInt(Number.MAX_SAFE_INTEGER)) return ctx.fail(EXT_MSG.invalidSequence);
	const { controller, host } = ctx;
	const { events } = host;
	controller.delivery.seqMode = true;
	// Another stream id: the numbers belong to an earlier run of the daemon.
	if ((stream !== undefined && stream !== '' && stream !== host.streamId) || !events.canResumeAfter(Number(after))) {
		ctx.reply(gapLine(events.oldestSeq, events.newestSeq));
		return;
	}
	controller.delivery.liveHeld = true;
	return replay(controller, events, Number(after));
}

/**
 * Pulled under back-pressure: events published meanwhile are retained by the ring and replayed
 * too, until the replay has caught up; live delivery resumes in the same synchronous step as the
 * last line, so nothing falls between. Falling out of the ring mid-way ends with a gap.
 */
function* replay(controller: Controller, events: EventRing, after: number): Generator<string> {
	try {
		let cursor = after;
		while (cursor < events.newestSeq) {
			const event = events.get(++cursor);
			if (!event) {
				controller.delivery.liveHeld = false;
				yield gapLine(events.oldestSeq, events.newestSeq);
				return;
			}
			if (controller.subscriptions.matches(event.topic, event.subject)) yield event.sequencedLine;
		}
		controller.delivery.liveHeld = false;
		yield liveLine(cursor);
	} finally {
		controller.delivery.liveHeld = false;
	}
}

export const eventsCommands = {
	'events.subscribe': subscribe,
	'events.unsubscribe': unsubscribe,
	'events.seq': seq,
	'events.resume': resume,
} as const satisfies Partial<Record<Verb, CommandHandler>>;
