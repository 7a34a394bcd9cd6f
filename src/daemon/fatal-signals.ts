// The signal dispositions (daemonproxy(8), SIGNALS) plus the JavaScript-level crash handlers:
// counted signals become `signal` events and never end the daemon (also as process 1, where the
// kernel delivers only signals with a handler); the fatal signals and uncaught exceptions take the
// fatal path (guard, exec-on-exit, exit 4). Installed once, at startup, before anything can fail.

import { COUNTED_SIGNALS, FATAL_SIGNALS, signalName, signalNumber, type SignalName } from '../protocol/signals.js';
import type { Logger } from '../supervisor/logger.js';
import * as sys from '../os/sys.js';
import type { ExitPaths } from './exit-paths.js';
import { EXIT_STATUS } from './exit-status.js';
import { openPrivateWriter } from '../os/private-writer.js';

/**
 * Counted beyond 1.1's six: SIGPWR, which init systems and container runtimes send on power
 * failure (its default action would end the daemon; 1.1 left it so). It is reported and can be a
 * trigger like the others.
 */
export const EXTRA_COUNTED_SIGNALS: readonly SignalName[] = ['SIGPWR'];

/**
 * Of the signals caught only to wake the main loop (WAKE_SIGNALS), Node already ignores SIGPIPE
 * and reaps through its own SIGCHLD handler; SIGALRM's default action would end the daemon, so it
 * gets an empty one.
 */
const WAKE_ONLY_SIGNALS: readonly SignalName[] = ['SIGALRM'];

export function fatalSignalMessage(signal: number): string {
	return `Received signal ${signalName(signal)} (${signal})`;
}

/** The message of an uncaught exception's fatal condition (its stack goes to the log first). */
export function uncaughtMessage(error: unknown): string {
	const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
	return `Uncaught exception: ${text.split('\n')[0] ?? ''}`;
}

export interface SignalTargets {
	readonly log: Logger;
	readonly exits: ExitPaths;
	/** A counted signal arrived (its number). */
	counted(signal: number): void;
}

export function installSignalHandling(targets: SignalTargets): void {
	const { log, exits } = targets;
	for (const name of [...COUNTED_SIGNALS, ...EXTRA_COUNTED_SIGNALS]) {
		const signal = signalNumber(name);
		if (signal !== undefined) process.on(name, () => targets.counted(signal));
	}
	for (const name of WAKE_ONLY_SIGNALS) process.on(name, () => {});

	// Native handler: a kill(2)-sent fatal signal comes back here; a real fault, abort() or a
	// self-sent one is handled in C (log line, exec-on-exit or exit 4): JavaScript cannot resume.
	const fatal = FATAL_SIGNALS.map(name => signalNumber(name)).filter((n): n is number => n !== undefined);
	sys.onFatalSignal(fatal, signal => exits.fatal(EXIT_STATUS.fatalSignal, fatalSignalMessage(signal)));

	// Unhandled rejections are raised as uncaught exceptions by Node's default mode (`throw`).
	process.on('uncaughtException', (error: unknown) => {
		const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
		log.error(`uncaught exception: ${stack}`);
		exits.fatal(EXIT_STATUS.fatalSignal, uncaughtMessage(error));
	});
}

/**
 * Where the native fatal path writes its one line: a private non-blocking writer to the log's
 * destination (a full pipe must not hang a crashing daemon), replaced with it.
 */
export class FatalLogTarget {
	#fd: number | null = null;

	replace(destination: number | null): void {
		let next: number | null = null;
		if (destination !== null) {
			try {
				next = openPrivateWriter(destination);
			} catch {
				next = null;
			}
		}
		sys.setFatalLogFd(next ?? -1);
		if (this.#fd !== null) sys.close(this.#fd);
		this.#fd = next;
	}
}
