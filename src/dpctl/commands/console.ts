// `dpctl console`: the interactive console (console.ts) by name, the same as `dpctl` with no
// command on a terminal.

import type { DpctlCommand } from '../options.js';

export const consoleCommand: DpctlCommand = {
	command: 'console',
	describe: 'the interactive console: commands with history and completion, live events',
	builder: {},
	async handler(args) {
		const { runConsole } = await import('../console.js');
		const { runYargs } = await import('../yargs-app.js');
		return runConsole(args, runYargs);
	},
};
