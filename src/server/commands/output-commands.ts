// The commands of captured service output (daemonproxy(8), SERVICE OUTPUT): ring size and
// forwarding per service, the last lines (`output.tail`), and following new lines
// (`output.follow`, resumable by line number). Opt-in: a connection that never follows sees none.
// Invariants: a failed command changes nothing; a follow's catch-up and live delivery never
// overlap or skip (live delivery starts in the same synchronous step as the catch-up's last line).

import { checkName, parseInteger } from '../../protocol/fields.js';
import { formatOutputGap, formatOutputLine, formatOutputMark } from '../../protocol/output-lines.js';
import { fdNotYetDefinedWarning } from '../../protocol/replies.js';
import type { Verb } from '../../protocol/verbs.js';
import type { ForwardTarget } from '../../supervisor/output-book.js';
import { MAX_OUTPUT_LINES, type OutputRing } from '../../supervisor/output-ring.js';
import {
	checkNewServiceName,
	existingService,
	listArgument,
	type CommandContext,
	type CommandHandler,
} from '../command-context.js';
import { EXT_MSG, invalidForwardTarget } from '../messages.js';

/** output.tail without a count. */
export const DEFAULT_TAIL_LINES = 10;

/** A ring size: 1…MAX_OUTPUT_LINES lines, or `-` (null) for the daemon's default. */
function parseRingLines(field: string | undefined): number | null | undefined {
	if (field === '-') return null;
	const value = parseInteger(field);
	return value === null || value < 1n || value > BigInt(MAX_OUTPUT_LINES) ? undefined : Number(value);
}

function serviceOutputRing(ctx: CommandContext): void {
	const [name, field] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	const lines = parseRingLines(field);
	if (lines === undefined) return ctx.fail(EXT_MSG.invalidRingLines);
	ctx.supervisor.ensure(name);
	ctx.host.output.setRingLines(name, lines);
}

function serviceOutputForward(ctx: CommandContext): void {
	const [name, ...fields] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	const targets: ForwardTarget[] = [];
	for (const field of listArgument(fields)) {
		const [handle = '', option, ...extra] = field.split(':');
		if (checkName(handle) !== 'ok' || (option !== undefined && option !== 'prefix') || extra.length > 0)
			return ctx.fail(invalidForwardTarget(field));
		targets.push({ handle, prefix: option === 'prefix' });
	}
	ctx.supervisor.ensure(name);
	for (const { handle } of targets) if (!ctx.supervisor.handles.get(handle)) ctx.reply(fdNotYetDefinedWarning(handle));
	ctx.host.output.setForward(name, targets);
}

/** `output.tail NAME [COUNT|-] [exit]`: the newest lines (`-`: all retained), or those kept at the last exit. */
function outputTail(ctx: CommandContext): Iterable<string> | void {
	const [name, countField, which] = ctx.args;
	const record = existingService(ctx, name);
	if (!record) return;
	let count = DEFAULT_TAIL_LINES;
	if (countField !== undefined && countField !== '') {
		const parsed = countField === '-' ? BigInt(Number.MAX_SAFE_INTEGER) : parseInteger(countField);
		if (parsed === null || parsed < 0n) return ctx.fail(EXT_MSG.negativeCount);
		count = Number(parsed > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : parsed);
	}
	if (which !== undefined && which !== '' && which !== 'exit') return ctx.fail(EXT_MSG.expectedExit);
	const { output, streamId } = ctx.host;
	const ring = output.ring(record.name);
	const kept = output.exitLines(record.name);
	const lines = which === 'exit' ? kept.slice(Math.max(0, kept.length - count)) : (ring?.last(count) ?? []);
	const mark = formatOutputMark({ kind: 'tail', service: record.name, newest: ring?.newestSeq ?? 0, streamId });
	return [...lines.map(formatOutputLine), mark];
}

/**
 * `output.follow NAME [AFTER [STREAM_ID]]`: new lines of NAME from now on, as untagged `output`
 * lines; with AFTER, first the retained lines numbered after it (from another run of the daemon,
 * all of them), an `output.gap` line where some are no longer retained, then `output.live`.
 */
function outputFollow(ctx: CommandContext): Iterable<string> | void {
	const [name, afterField, stream] = ctx.args;
	const record = existingService(ctx, name);
	if (!record) return;
	let after: number | null = null;
	if (afterField !== undefined && afterField !== '') {
		const parsed = parseInteger(afterField);
		if (parsed === null || parsed < 0n || parsed > BigInt(Number.MAX_SAFE_INTEGER))
			return ctx.fail(EXT_MSG.invalidSequence);
		after = Number(parsed);
		if (stream !== undefined && stream !== '' && stream !== ctx.host.streamId) after = 0;
	}
	return catchUp(ctx, record.name, after);
}

function* catchUp(ctx: CommandContext, service: string, after: number | null): Generator<string> {
	const { controller, host } = ctx;
	const ring = (): OutputRing | undefined => host.output.ring(service);
	const newest = ring()?.newestSeq ?? 0;
	// A number beyond the newest line (not of this run, or made up) means: from now on.
	let cursor = after === null || after > newest ? newest : after;
	// Lines captured while this is pulled under back-pressure are caught up with too.
	for (;;) {
		const current = ring();
		if (current === undefined || cursor >= current.newestSeq) break;
		if (cursor + 1 < current.oldestSeq) {
			yield formatOutputGap(service, cursor, current.oldestSeq);
			cursor = current.oldestSeq - 1;
			continue;
		}
		const line = current.get(++cursor);
		if (line) yield formatOutputLine(line);
	}
	controller.delivery.following.add(service);
	yield formatOutputMark({ kind: 'live', service, newest: cursor, streamId: host.streamId });
}

function outputUnfollow(ctx: CommandContext): void {
	const names = listArgument(ctx.args);
	const { following } = ctx.controller.delivery;
	if (names.length === 0) following.clear();
	for (const name of names) following.delete(name);
}

export const outputCommands = {
	'service.output_ring': serviceOutputRing,
	'service.output_forward': serviceOutputForward,
	'output.tail': outputTail,
	'output.follow': outputFollow,
	'output.unfollow': outputUnfollow,
} as const satisfies Partial<Record<Verb, CommandHandler>>;
