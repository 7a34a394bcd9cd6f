// The lifecycle extensions of services (daemonproxy(8), Readiness and restart policy):
// service.env, service.notify, service.ready_timeout, service.backoff, service.restart_limit.
// Each checks every field before it changes anything, then creates the service if needed
// (SVC-new, through the setter) and stores the setting; a setting applies from the next start.
// None emits a 1.1 event.

import { parseInteger } from '../../protocol/fields.js';
import type { Verb } from '../../protocol/verbs.js';
import { checkNewServiceName, listArgument, type CommandContext, type CommandHandler } from '../command-context.js';

const MAX_SECONDS = 2 ** 31 - 1;

export const LIFECYCLE_MSG = {
	expectedSeconds: 'expected a number of seconds (1 or more) or -',
	expectedOnOff: 'expected on or off',
	expectedCount: 'expected a count (0 or more) and a window in seconds (1 or more), or -',
	expectedBackoff: 'expected MAX seconds (1 or more) and optional RESET seconds (1 or more), or -',
} as const;

export const invalidEnvEntry = (entry: string): string =>
	`invalid environment entry "${entry}" (expected KEY=VALUE, KEY not empty)`;

/** Seconds in 1…MAX_SECONDS, or null. */
function seconds(field: string | undefined, min = 1n): number | null {
	const parsed = parseInteger(field);
	return parsed === null || parsed < min || parsed > BigInt(MAX_SECONDS) ? null : Number(parsed);
}

function serviceEnv(ctx: CommandContext): void {
	const [name, ...fields] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	const entries = listArgument(fields);
	const bad = entries.find(entry => entry.indexOf('=') < 1 || entry.includes('\0'));
	if (bad !== undefined) return ctx.fail(invalidEnvEntry(bad));
	ctx.supervisor.setEnv(name, entries);
}

function serviceNotify(ctx: CommandContext): void {
	const [name, mode, watchdogField] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	if (mode !== 'on' && mode !== 'off') return ctx.fail(LIFECYCLE_MSG.expectedOnOff);
	let watchdog = 0;
	if (watchdogField !== undefined && watchdogField !== '-') {
		const parsed = seconds(watchdogField);
		if (parsed === null) return ctx.fail(LIFECYCLE_MSG.expectedSeconds);
		watchdog = parsed;
	}
	ctx.supervisor.setNotify(name, mode === 'on', watchdog * 1000);
}

function serviceReadyTimeout(ctx: CommandContext): void {
	const [name, field] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	const parsed = field === '-' ? 0 : seconds(field);
	if (parsed === null) return ctx.fail(LIFECYCLE_MSG.expectedSeconds);
	ctx.supervisor.setReadyTimeout(name, parsed * 1000);
}

function serviceBackoff(ctx: CommandContext): void {
	const [name, maxField, resetField] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	if (maxField === '-' && resetField === undefined) {
		return ctx.supervisor.setBackoff(name, null);
	}
	const max = seconds(maxField);
	const reset = resetField === undefined ? max : seconds(resetField);
	if (max === null || reset === null) return ctx.fail(LIFECYCLE_MSG.expectedBackoff);
	ctx.supervisor.setBackoff(name, { maxMs: max * 1000, resetMs: reset * 1000 });
}

function serviceRestartLimit(ctx: CommandContext): void {
	const [name, countField, windowField] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	if (countField === '-' && windowField === undefined) {
		return ctx.supervisor.setRestartLimit(name, null);
	}
	const count = seconds(countField, 0n);
	const window = seconds(windowField);
	if (count === null || window === null) return ctx.fail(LIFECYCLE_MSG.expectedCount);
	ctx.supervisor.setRestartLimit(name, { count, windowMs: window * 1000 });
}

export const lifecycleCommands = {
	'service.env': serviceEnv,
	'service.notify': serviceNotify,
	'service.ready_timeout': serviceReadyTimeout,
	'service.backoff': serviceBackoff,
	'service.restart_limit': serviceRestartLimit,
} as const satisfies Partial<Record<Verb, CommandHandler>>;
