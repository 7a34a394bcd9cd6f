// The daemon's exit statuses (daemonproxy(8), EXIT STATUS): the one registry of them, for option
// parsing, startup, the exit paths and the -D launcher alike. Invariant: a number never changes
// meaning; scripts and init systems test them. Must stay free of I/O so pure modules can use it.

export const EXIT_STATUS = {
	/** The interactive session ended, `terminate 0`, or the -D launcher saw the daemon ready. */
	normal: 0,
	/** -h, --help, --version. */
	help: 1,
	/** A command-line error, or inherited descriptors that do not fit --fd-pool. */
	badOptions: 2,
	/** The start-up environment: control socket, stdin/stdout for -i, the config file, -D's spawn. */
	environment: 3,
	/** A fatal signal or an uncaught exception. */
	fatalSignal: 4,
} as const;

export type ExitStatus = (typeof EXIT_STATUS)[keyof typeof EXIT_STATUS];
