// The daemon's dispatch table: every command family's handlers in one Map (so `__proto__` is just
// an unknown command), and executeLine, which runs a received line against it (request.ts does
// the tag, role check, audit and error boundary). The fd.* and socket families reach the OS, so
// importing this loads the addon; code that must run without it takes a CommandTable instead.

import type { CommandHandler, CommandHost } from './command-context.js';
import { connCommands } from './commands/conn-commands.js';
import { daemonCommands } from './commands/daemon-commands.js';
import { eventsCommands } from './commands/events-commands.js';
import { fdCommands } from './commands/fd-commands.js';
import { serviceCommands } from './commands/service-commands.js';
import type { Controller } from './controller.js';
import { runRequest } from './request.js';

export const COMMANDS: ReadonlyMap<string, CommandHandler> = new Map([
	...serviceCommands, ...fdCommands, ...daemonCommands, ...connCommands, ...eventsCommands,
]);

export function executeLine(host: CommandHost, controller: Controller, received: string): Iterable<string> | void {
	return runRequest(COMMANDS, host, controller, received);
}
