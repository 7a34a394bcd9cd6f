// The shape of dpctl's yargs command modules (one per subcommand, src/client/commands/) and the
// options every command accepts. Plain data: yargs reads it through yargs-app.ts, the fast
// parser (argv.ts) reads the same tables, and the man-page test checks them against dpctl(1).
// Must never import yargs: loading it costs more than starting Node (bench/dpctl-startup).

export type OptionType = 'boolean' | 'number' | 'string';

/** The subset of a yargs option definition that dpctl uses. */
export interface OptionSpec {
	readonly type: OptionType;
	readonly alias?: string;
	readonly describe: string;
	readonly requiresArg?: boolean;
	/** The value's name in help and in the man page (`SECONDS`, `PATH`). */
	readonly defaultDescription?: string;
}

/** Parsed arguments, as yargs would give them (only the keys dpctl reads). */
export interface CliArgs {
	readonly [key: string]: unknown;
	readonly socket?: string | undefined;
	readonly timeout?: number | undefined;
	readonly json?: boolean | undefined;
}

/** A yargs command module whose handler resolves with the exit status. */
export interface DpctlCommand {
	readonly command: string;
	readonly describe: string;
	readonly builder: Readonly<Record<string, OptionSpec>>;
	readonly handler: (args: CliArgs) => Promise<number>;
}

export const GLOBAL_OPTIONS = {
	socket: {
		type: 'string',
		alias: 'S',
		requiresArg: true,
		describe:
			'control socket: a path, or @NAME for an abstract socket (default: $DAEMONPROXY_SOCKET, else /run/daemonproxy.sock)',
	},
	'server-uid': {
		type: 'string',
		requiresArg: true,
		describe:
			'also trust a daemon running as UID (default: $DAEMONPROXY_SERVER_UID); root and your own uid are always trusted',
	},
	timeout: {
		type: 'number',
		requiresArg: true,
		describe: 'give up after SECONDS (exit status 99); default 10 for commands, none for watch and wait',
	},
	json: { type: 'boolean', describe: 'print JSON instead of text' },
} as const satisfies Record<string, OptionSpec>;

/** A positional of a yargs command string: `<name>`, `[name]`, `<name..>`, `[name..]`. */
export interface Positional {
	readonly name: string;
	readonly required: boolean;
	readonly variadic: boolean;
}

export function positionals(command: string): Positional[] {
	return command
		.split(' ')
		.slice(1)
		.flatMap(word => {
			const m = /^([<[])([a-z][a-z0-9-]*)(\.\.)?[>\]]$/.exec(word);
			return m ? [{ name: m[2] ?? '', required: m[1] === '<', variadic: m[3] !== undefined }] : [];
		});
}

/** The command's name: the first word of its command string. */
export function commandName(command: string): string {
	return command.split(' ')[0] ?? '';
}
