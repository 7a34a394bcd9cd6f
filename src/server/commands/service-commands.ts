// The service.* commands: argument checks in the 1.1 order with 1.1 error
// texts, then one call into the supervisor. A command that fails changes nothing (1.1 created
// the service before later checks failed: fixed, daemonproxy(8) COMPATIBILITY).

import { checkName, parseInteger } from '../../protocol/fields.js';
import { MSG, cantKill, fdNotYetDefinedWarning, unknownOption } from '../../protocol/replies.js';
import { parseSignalArgument, parseTriggerName } from '../../protocol/signals.js';
import type { Verb } from '../../protocol/verbs.js';
import {
	checkNewServiceName,
	existingService,
	listArgument,
	type CommandContext,
	type CommandHandler,
} from '../command-context.js';
import { READY_FD } from '../../supervisor/service-machine.js';
import { OUTPUT_HANDLE } from '../../supervisor/supervisor.js';
import { EXT_MSG, cannotExecute } from '../messages.js';
import { whyNotExecutable } from '../program-check.js';

const MAX_INTERVAL_SECONDS = 2 ** 31 - 1;

function serviceTags(ctx: CommandContext): void {
	const [name, ...tags] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	ctx.supervisor.setTags(name, listArgument(tags));
}

function serviceArgs(ctx: CommandContext): void {
	const [name, ...args] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	// exec(2) cannot pass a NUL inside an argument: refused now, not as a failed start later.
	if (args.some(arg => arg.includes('\0'))) return ctx.fail(EXT_MSG.nulInArgument);
	ctx.supervisor.setArgs(name, listArgument(args));
}

function serviceFds(ctx: CommandContext): void {
	const [name, ...entries] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	const fds = listArgument(entries);
	const { handles } = ctx.supervisor;
	for (const [position, entry] of fds.entries()) {
		// An empty entry is allowed (it closes that position); `-` is a valid name anyway.
		if (entry !== '' && checkName(entry) !== 'ok') return ctx.fail(MSG.invalidFdNameEntry);
		// `ready` is the readiness pipe the daemon makes at each start, never a handle; `output` at
		// stdout or stderr is the capture pipe (daemonproxy(8), SERVICE OUTPUT).
		const captured = entry === OUTPUT_HANDLE && (position === 1 || position === 2);
		if (entry !== READY_FD && !handles.get(entry) && !captured) ctx.reply(fdNotYetDefinedWarning(entry));
	}
	ctx.supervisor.setFds(name, fds);
}

function serviceAutoUp(ctx: CommandContext): void {
	const [name, intervalField, ...triggerFields] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	let interval: number | null = null;
	const parsed = parseInteger(intervalField);
	if (parsed !== null) {
		if (parsed <= 0n || parsed > BigInt(MAX_INTERVAL_SECONDS)) return ctx.fail(MSG.invalidInterval);
		interval = Number(parsed);
	} else if (intervalField !== '-') {
		return ctx.fail(MSG.expectedInteger);
	}
	// Every field is validated (1.1 stopped at the first empty one); empty fields are dropped.
	const triggers = triggerFields.filter(field => field !== '');
	if (triggers.some(trigger => parseTriggerName(trigger) === undefined)) return ctx.fail(MSG.unableToSetTriggers);
	ctx.supervisor.ensure(name);
	ctx.supervisor.setAutoUp(name, interval, triggers);
}

function serviceStart(ctx: CommandContext): void {
	const [name, when] = ctx.args;
	const record = existingService(ctx, name);
	if (!record) return;
	const { supervisor } = ctx;
	let at = supervisor.now;
	if (when !== undefined) {
		if (when === '-') {
			if (!supervisor.cancelStart(record.name)) ctx.fail(MSG.noStartPending);
			return;
		}
		const seconds = parseInteger(when);
		// The current whole second counts as "now" (1.1's tolerance was ~23 µs by accident).
		if (seconds === null || seconds < BigInt(Math.floor(at / 1000)) || seconds > BigInt(MAX_INTERVAL_SECONDS)) {
			return ctx.fail(MSG.invalidTimestamp);
		}
		at = Math.max(at, Number(seconds) * 1000);
	}
	const program = record.args[0];
	if (program === undefined || program === '') return ctx.fail(MSG.noArgs);
	if (record.phase === 'up') {
		// Held by service.stop but not exited yet: starting it means supervising it again.
		if (record.held) return supervisor.release(record.name);
		return ctx.fail(MSG.notStartable);
	}
	const why = whyNotExecutable(program);
	if (why !== null) return ctx.fail(cannotExecute(program, why));
	supervisor.release(record.name);
	supervisor.requestStart(record.name, at);
}

function serviceSignal(ctx: CommandContext): void {
	const [name, signalField, options] = ctx.args;
	const record = existingService(ctx, name);
	if (!record) return;
	const signal = parseSignalArgument(signalField);
	if (!signal.ok) return ctx.fail(signal.message);
	let group = false;
	if (options !== undefined) {
		for (const option of options.split(',')) {
			if (option !== 'group') return ctx.fail(unknownOption(option));
			group = true;
		}
	}
	const { supervisor } = ctx;
	if (!supervisor.isRunning(record.name)) return ctx.fail(MSG.notRunning);
	try {
		supervisor.signalService(record.name, signal.signal, group);
	} catch (error: unknown) {
		ctx.fail(cantKill(record.name, record.pid ?? 0, group, (error as Error).message));
	}
}

function serviceDelete(ctx: CommandContext): void {
	const record = existingService(ctx, ctx.args[0]);
	if (!record) return;
	// Any service that is not running now may be deleted (1.1 refused every service that ever ran).
	if (record.phase === 'up') return ctx.fail(MSG.serviceRunning);
	ctx.supervisor.delete(record.name);
}

export const serviceCommands = {
	'service.tags': serviceTags,
	'service.args': serviceArgs,
	'service.fds': serviceFds,
	'service.auto_up': serviceAutoUp,
	'service.start': serviceStart,
	'service.signal': serviceSignal,
	'service.delete': serviceDelete,
} as const satisfies Partial<Record<Verb, CommandHandler>>;
