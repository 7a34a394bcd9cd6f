// The full command line, on yargs with one command module per subcommand: loaded only when the
// fast parser (argv.ts) hands over (--help, --version, a typo, an unusual option form), since
// importing yargs costs about as much as starting Node.
// Must never call process.exit: the exit status goes back to main().

import { readFileSync } from 'node:fs';
import { rawCommand } from './commands/raw.js';
import { loadAllCommands } from './command-table.js';
import { CliError, EXIT } from './exit-codes.js';
import { GLOBAL_OPTIONS, type CliArgs, type DpctlCommand } from './options.js';

const EPILOG = `Any protocol verb is sent as is: dpctl service.start web, dpctl fd.pipe a.r a.w, dpctl statedump.
Options go before VERB; everything after it is sent verbatim, one field per argument.
Exit status: 0 ok, 1 the daemon said error, 3 not active (is-active), 99 timeout, 100 usage,
111 system error. See dpctl(1).`;

function version(): string {
	const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
		version?: string;
	};
	return pkg.version ?? 'unknown';
}

/** `dpctl [VERB [ARG…]]`: one protocol command, or with no verb the console (which may run this app again). */
const defaultCommand: DpctlCommand = {
	...rawCommand,
	async handler(args) {
		if (args['verb'] !== undefined) return rawCommand.handler(args);
		const { runConsole } = await import('./console.js');
		return runConsole(args, runYargs);
	},
};

/** `dpctl console`: the same as no command on a terminal. */
const consoleCommand: DpctlCommand = {
	command: 'console',
	describe: 'the interactive console: commands with history and completion, live events',
	builder: {},
	async handler(args) {
		const { runConsole } = await import('./console.js');
		return runConsole(args, runYargs);
	},
};

/** The yargs parser, its handlers reporting the exit status through `done`. */
export async function buildParser(argv: readonly string[], done: (code: number) => void) {
	const { default: yargs } = await import('yargs');
	const commands = await loadAllCommands();
	const asModule = (c: DpctlCommand) => ({
		command: c.command,
		describe: c.describe,
		builder: c.builder,
		handler: async (args: CliArgs) => done(await c.handler(args)),
	});
	let parser = yargs([...argv])
		.scriptName('dpctl')
		// One line: yargs' layout trims the indentation that would align a second one.
		.usage('Usage: dpctl [OPTION…] VERB|COMMAND [ARG…]    (none, on a terminal: the console)')
		.options(GLOBAL_OPTIONS)
		.command(asModule(defaultCommand));
	for (const c of [...commands, consoleCommand]) parser = parser.command(asModule(c));
	return parser
		.strict()
		.help()
		.alias('help', 'h')
		.version(version())
		.epilog(EPILOG)
		.showHelpOnFail(false)
		.exitProcess(false)
		.wrap(Math.min(100, process.stdout.columns ?? 80))
		.fail((message: string | undefined, error: Error | undefined) => {
			// yargs' own parse errors (a missing option value: `dpctl -S`) are usage errors too.
			if (error && error.name !== 'YError') throw error;
			message ??= error?.message;
			throw new CliError(EXIT.usage, `dpctl: ${message ?? 'invalid command line'}\nTry 'dpctl --help'.`);
		});
}

/** Parses and runs; resolves with the exit status (0 after --help or --version). */
export async function runYargs(argv: readonly string[]): Promise<number> {
	let code: number = EXIT.ok;
	const parser = await buildParser(argv, c => (code = c));
	await parser.parseAsync();
	return code;
}
