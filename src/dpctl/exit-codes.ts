// dpctl's exit statuses (dpctl(1), EXIT STATUS) and the error that carries one to main().
// Invariant: the numbers never change meaning; scripts test them. Must never import yargs.

export const EXIT = {
	ok: 0,
	/** The daemon answered `error`. */
	daemon: 1,
	/** is-active: a service is not up (systemctl's code). */
	inactive: 3,
	/** Nothing decided before --timeout. */
	timeout: 99,
	/** Bad command line, refused before connecting. */
	usage: 100,
	/** No socket, connection refused or lost, other system errors. */
	system: 111,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Ends dpctl with `exitCode` after printing `message` (already prefixed `dpctl: …`) on stderr. */
export class CliError extends Error {
	override readonly name = 'CliError';
	readonly exitCode: ExitCode;

	constructor(exitCode: ExitCode, message: string) {
		super(message);
		this.exitCode = exitCode;
	}
}

export function usageError(message: string): CliError {
	return new CliError(EXIT.usage, `dpctl: ${message}\nTry 'dpctl --help'.`);
}

/** What a deadline aborts with: main() turns it into exit status 99. */
export class DeadlineError extends Error {
	override readonly name = 'TimeoutError';
}
