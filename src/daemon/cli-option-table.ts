// The daemon's command-line options as data (daemonproxy(8), OPTIONS): the 1.1 table, and the shape
// of an extension option. The parser (cli-options.ts) and --help (help-text.ts) both read it, so
// grammar and help cannot drift apart. Data only: nothing here parses or prints.

export interface BuiltinOption {
	readonly short: string | null;
	readonly long: string;
	/** null when the option takes no value. */
	readonly valueName: string | null;
	readonly description: string;
}

/** The 1.1 options in daemonproxy(8) OPTIONS order, which is also the --help order. */
export const BUILTIN_OPTIONS: readonly BuiltinOption[] = [
	{
		short: 'c',
		long: 'config',
		valueName: 'FILENAME',
		description: 'Run commands from FILENAME at startup (- = stdin)',
	},
	{
		short: 'i',
		long: 'interactive',
		valueName: null,
		description: 'Controller on stdin (commands) and stdout (events)',
	},
	{ short: 'S', long: 'socket', valueName: 'PATH', description: 'Control socket path (@NAME: abstract socket)' },
	{ short: 'D', long: 'daemonize', valueName: null, description: 'Fork to the background; print the pid on stdout' },
	{
		short: null,
		long: 'exit-guard',
		valueName: 'INTEGER',
		description: 'Require this code to terminate (0 = no guard)',
	},
	{
		short: 'E',
		long: 'exit-exec',
		valueName: 'TSV_ARGS',
		description: 'Exec these TAB-separated args instead of exiting',
	},
	{ short: null, long: 'fd-pool', valueName: 'N[xM]', description: 'At most N handles of M bytes each (M: 32..4096)' },
	{
		short: null,
		long: 'service-pool',
		valueName: 'N[xM]',
		description: 'At most N services of M bytes each (M >= 64)',
	},
	{ short: 'M', long: 'mlockall', valueName: null, description: 'Lock all current and future memory after setup' },
	{ short: 'v', long: 'verbose', valueName: null, description: 'Log one level more (repeatable)' },
	{ short: 'q', long: 'quiet', valueName: null, description: 'Log one level less (repeatable)' },
	{ short: 'h', long: 'help', valueName: null, description: 'Print this help and exit' },
	{ short: null, long: 'version', valueName: null, description: 'Print the version and exit' },
];

export interface ExtensionOption {
	long: string;
	short?: string;
	/** '' for a flag. */
	valueName: string;
	description: string;
	/** Takes no value (recorded as ''), like the 1.1 flags. */
	flag?: boolean;
	/** Returns an error message (fatal, status 2) or null when the value is acceptable. */
	validate?(value: string): string | null;
}
