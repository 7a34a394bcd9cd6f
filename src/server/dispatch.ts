// Turns one received line into one command execution (spec §2.3, §5): ignored lines, unknown
// commands, the verb table (a Map, so `__proto__` is just an unknown command), and the
// boundary that catches everything a handler throws — the daemon logs it and lives on.

import { isIgnoredLine, splitFields } from '../protocol/fields.js';
import { commandError, logCommandFailure, logUnknownCommand, unknownCommand } from '../protocol/replies.js';
import type { CommandContext, CommandHandler } from './command-context.js';
import { daemonCommands } from './commands/daemon-commands.js';
import { fdCommands } from './commands/fd-commands.js';
import { serviceCommands } from './commands/service-commands.js';
import type { Controller } from './controller.js';
import type { Daemon } from './daemon.js';
import { EXT_MSG } from './messages.js';

export const COMMANDS: ReadonlyMap<string, CommandHandler> = new Map([...serviceCommands, ...fdCommands, ...daemonCommands]);

export function executeLine(daemon: Daemon, controller: Controller, line: string): Iterable<string> | void {
	if (isIgnoredLine(line)) return;
	const [verb = '', ...args] = splitFields(line);
	const handler = COMMANDS.get(verb);
	if (!handler) {
		daemon.log.error(logUnknownCommand(controller.label, verb));
		controller.send(unknownCommand(verb));
		return;
	}
	const ctx: CommandContext = {
		daemon,
		controller,
		line,
		args,
		reply: text => controller.send(text),
		fail: message => {
			const [first, second] = logCommandFailure(controller.label, line, message);
			daemon.log.error(first);
			daemon.log.error(second);
			controller.send(commandError(message, line));
		},
	};
	try {
		return handler(ctx);
	} catch (error: unknown) {
		daemon.log.error(`command "${verb}" threw: ${(error as Error).stack ?? String(error)}`);
		ctx.fail(EXT_MSG.internalError);
	}
}
