// dpctl's subcommands by name, each loaded only when it runs (a module per subcommand, style
// guide), so a call pays for one command module and never for the others or for yargs.
// Must never import a command module statically. `console` is not here: yargs-app.ts and the fast
// parser (argv.ts) open it, since the console itself runs commands from this table.

import type { DpctlCommand } from './options.js';

type Loader = () => Promise<DpctlCommand>;

export const COMMANDS: Readonly<Record<string, Loader>> = {
	status: async () => (await import('./commands/status.js')).statusCommand,
	start: async () => (await import('./commands/start.js')).startCommand,
	stop: async () => (await import('./commands/stop.js')).stopCommand,
	restart: async () => (await import('./commands/restart.js')).restartCommand,
	signal: async () => (await import('./commands/signal.js')).signalCommand,
	watch: async () => (await import('./commands/watch.js')).watchCommand,
	wait: async () => (await import('./commands/wait.js')).waitCommand,
	logs: async () => (await import('./commands/logs.js')).logsCommand,
	whoami: async () => (await import('./commands/whoami.js')).whoamiCommand,
	'is-active': async () => (await import('./commands/is-active.js')).isActiveCommand,
	enable: async () => (await import('./commands/enable.js')).enableCommand,
	disable: async () => (await import('./commands/enable.js')).disableCommand,
	// Given the table's loader rather than importing this module: no cycle.
	completion: async () => (await import('./commands/completion.js')).completionCommand(loadAllCommands),
};

export function isCommandName(word: string): boolean {
	return Object.hasOwn(COMMANDS, word);
}

export async function loadCommand(name: string): Promise<DpctlCommand> {
	const loader = COMMANDS[name];
	if (!loader || !Object.hasOwn(COMMANDS, name)) throw new RangeError(`no dpctl command ${name}`);
	return loader();
}

/** Every command module, for yargs (help) and for the man-page test. */
export function loadAllCommands(): Promise<DpctlCommand[]> {
	return Promise.all(Object.keys(COMMANDS).map(loadCommand));
}
