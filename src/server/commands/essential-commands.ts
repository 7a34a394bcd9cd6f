// service.essential (daemonproxy(8), SHUTDOWN): marks a service whose end for good ends the
// daemon, with its exit status, after every other service is stopped.

import type { Verb } from '../../protocol/verbs.js';
import { existingService, type CommandContext, type CommandHandler } from '../command-context.js';
import { EXT_MSG } from '../messages.js';

function serviceEssential(ctx: CommandContext): void {
	const [name, setting] = ctx.args;
	const record = existingService(ctx, name);
	if (!record) return;
	if (setting !== 'on' && setting !== 'off') return ctx.fail(EXT_MSG.expectedOnOff);
	ctx.host.process.setEssential(record.name, setting === 'on');
}

export const essentialCommands = {
	'service.essential': serviceEssential,
} as const satisfies Partial<Record<Verb, CommandHandler>>;
