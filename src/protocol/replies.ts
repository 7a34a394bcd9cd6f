// Owns the text of error and warning lines (daemonproxy(8), THE PROTOCOL) and the registry of every
// fixed 1.1 message: clients match on these bytes, so each text is 1.1's, byte for byte.
// Invariants: every builder returns exactly one line (no LF) without its terminating LF.
// Must never truncate messages to 63 bytes nor embed an LF (1.1 accidents).

/** The error context quotes at most this many bytes of the command line. */
export const ERROR_CONTEXT_BYTES = 30;
/** The log line quotes at most this many bytes of the command line. */
export const LOG_CONTEXT_BYTES = 90;

/** The answer to an over-long line. */
export const LINE_TOO_LONG = 'error\tline too long';

/** Fixed 1.1 messages of the commands, by meaning. Texts are the contract; keys are ours. */
export const MSG = {
	// SVC-new / SVC-old
	expectedServiceName: 'Expected service name',
	invalidServiceName: 'Invalid service name',
	unableToAllocateService: 'Unable to allocate new service',
	noSuchService: 'No such service',
	// FD-assign, fd.delete
	expectedFdName: 'Expected file descriptor name',
	invalidFdName: 'Invalid file descriptor name',
	fdCannotBeAltered: 'File descriptor cannot be altered',
	noSuchFd: 'No such file descriptor',
	unableToAllocateFd: 'Unable to allocate new file descriptor object',
	// service.tags / service.args / service.fds / service.auto_up
	unableToSetTags: 'unable to set tags',
	unableToSetArgv: 'unable to set argv',
	invalidFdNameEntry: 'invalid fd name',
	unableToSetFds: 'unable to set file descriptors',
	expectedInteger: 'Expected integer',
	invalidInterval: 'invalid interval',
	unableToSetTriggers: 'unable to set auto_up triggers',
	// service.start / service.signal / service.delete, signal.clear
	noStartPending: 'no service.start pending',
	invalidTimestamp: 'invalid timestamp',
	noArgs: 'no args configured for service',
	notStartable: 'service is not startable',
	expectedSignal: 'Expected signal argument',
	invalidSignalNumber: 'Invalid signal number',
	invalidSignalArgument: 'Invalid signal argument',
	notRunning: 'service is not running',
	serviceRunning: 'service is running',
	// socket.create, log.dest
	missingArgument: 'missing argument',
	invalidOptions: 'Invalid options',
	failedControlSocket: 'Failed to create control socket',
	unknownLoggingType: 'Unknown logging type',
	// fd.pipe / fd.open / fd.socket / fd.take / chdir
	failedToCreatePipe: 'failed to create pipe',
	missingFlags: 'missing flags argument',
	missingPath: 'missing path argument',
	unexpectedAfterPath: 'unexpected argument after path',
	invalidListenQueue: 'invalid listen queue length',
	invalidAddress: 'invalid address',
	expectedAddress: 'expected address argument',
	unexpectedAfterAddress: 'unexpected argument after address',
	noAncillaryFd: 'No ancillary file descriptor received',
	// log.filter / conn.event_timeout
	invalidLoglevel: 'Invalid loglevel argument',
	invalidTimeout: 'invalid timeout (must be 0..7FFFFFFF)',
	resetGreaterThanClose: 'reset timeout is greater than close timeout',
	// terminate.exec_args / terminate.guard / terminate
	execArgsTooLong: 'exec arguments exceed buffer size (255)',
	expectedPlusMinus: 'expected + or -',
	codeCannotBeZero: 'code cannot be 0',
	guardAlreadySet: 'terminate guard code is already set',
	guardNotSet: 'terminate guard was not set',
	incorrectGuardCode: 'incorrect guard code',
	guardCodeRequired: 'terminate guard code required',
	incorrectTerminateGuardCode: 'incorrect terminate guard code',
	cannotExitNoExec: 'cannot exit, and exec-on-exit is not configured',
} as const;

export type MessageKey = keyof typeof MSG;
export type FixedMessage = (typeof MSG)[MessageKey];

// Templated messages. Values come from a command line, so they hold no LF.

/** `fd.pipe`, `fd.open`, `fd.socket`. One line (the 1.1 embedded LF is fixed). */
export function unknownFlag(flag: string): string {
	return `unknown flag "${flag}"`;
}

/** `service.signal` options. */
export function unknownOption(opt: string): string {
	return `unknown option "${opt}"`;
}

/** `service.signal`: `can't kill NAME (pid N): …`, or `(pgid N)` with the `group` option. */
export function cantKill(name: string, pid: number, group: boolean, strerror: string): string {
	return `can't kill ${name} (${group ? 'pgid' : 'pid'} ${String(pid)}): ${strerror}`;
}

export type FailedCall = 'socketpair()' | 'pipe()' | 'fcntl(O_NONBLOCK)' | 'open' | 'chdir';

/** `pipe() failed: …`, `open failed: …`, `chdir failed: …`. */
export function callFailed(call: FailedCall, strerror: string): string {
	return `${call} failed: ${strerror}`;
}

export type SocketStep = 'socket' | 'setsockopt' | 'bind' | 'listen' | 'fcntl(O_NONBLOCK)';

/** `fd.socket` system-call failures, `<step>: <strerror>`. */
export function socketStepFailed(step: SocketStep, strerror: string): string {
	return `${step}: ${strerror}`;
}

// Line builders.

function oneLine(s: string): string {
	return s.includes('\n') ? s.replaceAll('\n', ' ') : s;
}

/**
 * `error\t<MESSAGE>, for command "<CONTEXT>"`. CONTEXT is the whole line when it is at
 * most 30 bytes, else its first 30 bytes and `...`. Deliberate fix: 1.1 also appended `...`
 * to a line of exactly 30 bytes.
 */
export function commandError(message: string, line: string): string {
	const context = line.length <= ERROR_CONTEXT_BYTES ? line : `${line.slice(0, ERROR_CONTEXT_BYTES)}...`;
	return `error\t${oneLine(message)}, for command "${context}"`;
}

/** `Unknown command: NAME`: no `, for command` suffix. */
export function unknownCommand(first: string): string {
	return `error\tUnknown command: ${first}`;
}

/** The warning from `service.fds`: colon form, no TAB. */
export function fdNotYetDefinedWarning(name: string): string {
	return `warning: fd "${name}" is not yet defined`;
}

/** The warning from `log.dest`: TAB form. */
export function fdDoesNotExistWarning(name: string): string {
	return `warning\tfd "${name}" does not exist`;
}

// Log texts; the logger adds the `error: ` level prefix.

/**
 * The two log lines of a failed command. The quoted line is cut to 90 bytes with `...`
 * after the closing quote when it is longer (our fix of the same off-by-one as the context).
 */
export function logCommandFailure(controllerLabel: string, line: string, message: string): [string, string] {
	const quoted = line.length <= LOG_CONTEXT_BYTES ? `'${line}'` : `'${line.slice(0, LOG_CONTEXT_BYTES)}'...`;
	return [`${controllerLabel} command failed: ${quoted}`, `  with error: '${oneLine(message)}'`];
}

/** Log text of an unknown command. */
export function logUnknownCommand(controllerLabel: string, first: string): string {
	return `${controllerLabel} sent unknown command ${first}`;
}

/** Log text of an over-long line. */
export function logLineTooLong(controllerLabel: string): string {
	return `${controllerLabel} command exceeds buffer size`;
}
