// The verbs of the stop/start model (daemonproxy(8), service.stop, service.enable,
// service.disable): many names per command, every argument checked before anything changes, then
// one supervisor call per service. A 1.1 connection never sends them, so 1.1 bytes are unchanged.

import { checkName, parseInteger } from '../../protocol/fields.js';
import { parseSignalArgument } from '../../protocol/signals.js';
import type { Verb } from '../../protocol/verbs.js';
import type { CommandContext, CommandHandler } from '../command-context.js';
import { EXT_MSG, invalidServiceName, MAX_GRACE_SECONDS, noSuchServiceNamed, unknownStopOption } from '../messages.js';

/** The grace of service.stop when none is given. */
export const DEFAULT_STOP_GRACE_SECONDS = 10;

/** Every name valid and existing, or one failure naming the first bad one; null after failing. */
function existingNames(ctx: CommandContext, names: readonly string[]): string[] | null {
	if (names.length === 0) {
		ctx.fail(EXT_MSG.expectedServiceName);
		return null;
	}
	for (const name of names) {
		if (checkName(name) !== 'ok') {
			ctx.fail(invalidServiceName(name));
			return null;
		}
		if (!ctx.supervisor.service(name)) {
			ctx.fail(noSuchServiceNamed(name));
			return null;
		}
	}
	return [...new Set(names)];
}

/**
 * `service.stop NAME… [GRACE_SECONDS|-] [signal=SIGNAL]`. Names never contain `=`, so a field with
 * one is an option; the last other field is the grace when it is `-` or digits and a name
 * precedes it (a service whose name is all digits is stopped with an explicit grace).
 */
function serviceStop(ctx: CommandContext): void {
	const fields = ctx.args.filter(field => !field.includes('='));
	let signal = 15;
	for (const option of ctx.args.filter(field => field.includes('='))) {
		if (!option.startsWith('signal=')) return ctx.fail(unknownStopOption(option));
		const parsed = parseSignalArgument(option.slice('signal='.length));
		if (!parsed.ok) return ctx.fail(parsed.message);
		signal = parsed.signal;
	}
	let graceSeconds: number | null = DEFAULT_STOP_GRACE_SECONDS;
	const last = fields.at(-1);
	if (fields.length > 1 && last !== undefined && (last === '-' || /^[0-9]+$/.test(last))) {
		fields.pop();
		if (last === '-') graceSeconds = null;
		else {
			const value = parseInteger(last);
			if (value === null || value > BigInt(MAX_GRACE_SECONDS)) return ctx.fail(EXT_MSG.invalidGrace);
			graceSeconds = Number(value);
		}
	}
	const names = existingNames(ctx, fields);
	if (!names) return;
	const failures: string[] = [];
	for (const name of names) {
		const failure = ctx.supervisor.stop(name, signal, graceSeconds === null ? null : graceSeconds * 1000);
		if (failure !== null) failures.push(`${name}: ${failure}`);
	}
	// A failed kill(2) (EPERM) is the only run-time failure left; every service is held down anyway.
	if (failures.length > 0) ctx.fail(`cannot signal ${failures.join(', ')}`);
}

function setEnabled(enabled: boolean): CommandHandler {
	return ctx => {
		const names = existingNames(ctx, ctx.args);
		if (!names) return;
		for (const name of names) ctx.supervisor.setEnabled(name, enabled);
	};
}

export const serviceModeCommands = {
	'service.stop': serviceStop,
	'service.enable': setEnabled(true),
	'service.disable': setEnabled(false),
} as const satisfies Partial<Record<Verb, CommandHandler>>;
