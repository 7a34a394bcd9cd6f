// The daemon's dispatch table: one handler for every verb of the protocol's verb table
// (src/protocol/verbs.ts) — the compiler refuses a verb without a handler, and each family's
// `satisfies` refuses a handler without a verb — in one Map (so `__proto__` is just an unknown
// command), and executeLine, which runs a received line against it (request.ts does the tag,
// role check, audit and error boundary). The fd.* family reaches the OS, so importing this
// loads the addon; code that must run without it takes a CommandTable instead.

import { VERB_NAMES, type Verb } from '../protocol/verbs.js';
import type { CommandHandler, CommandHost } from './command-context.js';
import { connCommands } from './commands/conn-commands.js';
import { daemonCommands } from './commands/daemon-commands.js';
import { essentialCommands } from './commands/essential-commands.js';
import { eventsCommands } from './commands/events-commands.js';
import { fdCommands } from './commands/fd-commands.js';
import { lifecycleCommands } from './commands/lifecycle-commands.js';
import { outputCommands } from './commands/output-commands.js';
import { serviceCommands } from './commands/service-commands.js';
import { treeCommands } from './commands/tree-commands.js';
import { serviceModeCommands } from './commands/service-mode-commands.js';
import type { Controller } from './controller.js';
import { runRequest } from './request.js';

const HANDLERS: Readonly<Record<Verb, CommandHandler>> = {
	...serviceCommands,
	...lifecycleCommands,
	...serviceModeCommands,
	...fdCommands,
	...daemonCommands,
	...connCommands,
	...eventsCommands,
	...essentialCommands,
	...outputCommands,
	...treeCommands,
};

export const COMMANDS: ReadonlyMap<string, CommandHandler> = new Map(VERB_NAMES.map(verb => [verb, HANDLERS[verb]]));

export function executeLine(host: CommandHost, controller: Controller, received: string): Iterable<string> | void {
	return runRequest(COMMANDS, host, controller, received);
}
