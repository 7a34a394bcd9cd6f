// The texts of the daemon's command-line parse (daemonproxy(8), OPTIONS), in 1.1's wording:
// scripts match on them and the man page quotes them, so an entry never changes meaning.
// Data only: nothing here parses, logs or prints.

/**
 * Every text the command-line parse emits. The pool warnings keep 1.1's wording except the
 * `servce` typo, which is fixed (daemonproxy(8) COMPATIBILITY lists it as an accident).
 */
export const CLI_MESSAGES = {
	unknownShort: (letter: string) => `Unknown option -${letter}  (see --help)`,
	unknownLong: (arg: string) => `Unknown option ${arg}  (see --help)`,
	missingShort: (letter: string) => `Missing argument for -${letter}`,
	missingLong: (name: string) => `Missing argument for --${name}`,
	// 1.1 appends a LF here, an accident (daemonproxy(8), COMPATIBILITY); we do not.
	unexpectedArgument: (arg: string) => `Unexpected argument "${arg}"`,
	cannotStatConfig: (path: string) => `Cannot stat configfile "${path}"`,
	badGuard: 'Terminate guard must be an integer',
	execArgsTooLong: 'exec-on-exit arguments exceed buffer size',
	badPoolSpec: "Expected 'N' or 'NxM' where N and M are integers and M has an optional size suffix",
	requireMode: 'require -i or -c or -S',
	// 1.1 forbids the combination without a documented text; both would read stdin.
	interactiveWithStdinConfig: 'cannot combine -i with -c - (both would read stdin)',
	ignoringDaemonize: 'Ignoring --daemonize (see manual)',
	fdPoolCountLow: 'At least 7 fd objects required; using minimum',
	fdPoolCountHigh: 'fd pool size exceeds max number of allowed file descriptors; limiting to 1024',
	fdPoolSizeLow: 'fd obj size increased to minimum of 32',
	fdPoolSizeHigh: 'fd obj size limited to maximum of 4096',
	servicePoolCountLow: 'At least 1 service objects required; using minimum',
	servicePoolCountHigh: 'service pool size exceeds maximum; limiting to 65535',
	servicePoolSizeLow: 'service obj size increased to minimum of 64',
} as const;
