// Every way the daemon can end (daemonproxy(8), EXIT STATUS): `terminate`, the end of
// the interactive session, fatal conditions (startup errors, fatal signals, uncaught exceptions)
// and -h/--version. Owns the terminate guard and the exec-on-exit vector, and keeps the native
// fatal-signal handler's copy of that vector current (sys.setFatalExec).
// Invariants: with exec-on-exit configured, every trappable exit path execs it first (same pid;
// handles, controller connections and the control socket inherited); a failed exec falls through
// to the normal path; a guard turns a fatal condition into "log and carry on". Services are never
// signalled or waited for (daemonproxy(8), SERVICES).

import type { Logger } from '../supervisor/logger.js';
import * as sys from '../os/sys.js';

/** What the exit paths need from the rest of the daemon. */
export interface ExitHost {
	readonly log: Logger;
	/** Running services, logged before an exit or exec. */
	running(): ReadonlyArray<{ readonly name: string; readonly pid: number }>;
	/** Descriptors the exec-on-exit program inherits: handles, controller connections, control socket. */
	inheritableFds(): number[];
	/** Last chores of a real exit (remove the control socket path, …). */
	beforeExit(): void;
}

/** Hears of the end before it happens: `exec` when the image is about to be replaced. */
export type EndListener = (kind: 'exit' | 'exec', status: number, message: string) => void;

export class ExitPaths {
	/** Terminate guard; 0n = none. */
	guard = 0n;
	#execOnExit: string[] | null = null;
	#host: ExitHost | null = null;
	#exiting = false;
	readonly #log: Logger;
	readonly #endListeners: EndListener[] = [];

	constructor(log: Logger) {
		this.#log = log;
	}

	/** Connect the running daemon (before that, only the log and the vector are known). */
	attach(host: ExitHost): void {
		this.#host = host;
	}

	onEnd(listener: EndListener): void {
		this.#endListeners.push(listener);
	}

	/** Exec-on-exit vector; null = none. Also handed to the native fatal-signal path. */
	get execOnExit(): string[] | null {
		return this.#execOnExit;
	}

	set execOnExit(argv: string[] | null) {
		this.#execOnExit = argv !== null && argv.length > 0 && argv[0] !== undefined ? [...argv] : null;
		sys.setFatalExec(this.#execOnExit, environment());
	}

	get exiting(): boolean {
		return this.#exiting;
	}

	/**
	 * A fatal condition. Exec-on-exit first; then, under a guard, `fatal: (attempting to
	 * continue) MESSAGE` and return; otherwise `fatal: MESSAGE` and exit with `status`.
	 */
	fatal(status: number, message: string): void {
		this.tryExec(status, message);
		if (this.guard !== 0n) {
			this.#log.fatal(`(attempting to continue) ${message}`);
			return;
		}
		this.#log.fatal(message);
		this.exit(status);
	}

	/** terminate, or the end of the interactive session: exec-on-exit if configured, else exit. */
	end(status: number, message: string): never {
		this.tryExec(status, message);
		this.exit(status);
	}

	/**
	 * If a vector is configured, log the running services and the exec warning, let the
	 * inheritable fds survive the exec, and exec. Returns only when there is no vector or the exec
	 * failed (logged as `Unable to exec "PROGRAM": reason`; the fds are close-on-exec again).
	 */
	tryExec(status: number, message: string): void {
		const argv = this.#execOnExit;
		const program = argv?.[0];
		if (!argv || program === undefined) return;
		this.#logRunning();
		this.#log.warning(`daemonproxy exec_on_exit to '${program}'`);
		for (const listener of this.#endListeners) listener('exec', status, message);
		const fds = this.#host?.inheritableFds() ?? [];
		const changed = fds.filter(fd => setCloexec(fd, false));
		try {
			sys.execvp(program, argv, [...environment(), `DAEMONPROXY_EXITCODE=${status}`, `DAEMONPROXY_ERROR=${message}`]);
		} catch (error: unknown) {
			for (const fd of changed) setCloexec(fd, true);
			this.#log.error(`Unable to exec "${program}": ${(error as Error).message}`);
		}
	}

	/** The plain exit: running services logged, `info: daemonproxy exiting`, status. */
	exit(status: number): never {
		this.#exiting = true;
		this.#logRunning();
		this.#log.info('daemonproxy exiting');
		for (const listener of this.#endListeners) listener('exit', status, '');
		this.#host?.beforeExit();
		process.exit(status);
	}

	/** Mark the end as decided (later exit requests are ignored) without ending yet. */
	markExiting(): boolean {
		if (this.#exiting) return false;
		this.#exiting = true;
		return true;
	}

	#logRunning(): void {
		for (const { name, pid } of this.#host?.running() ?? [])
			this.#log.warning(`service '${name}' running as pid ${pid}`);
	}
}

/**
 * The current environment as NAME=VALUE entries, without the two variables exec-on-exit sets.
 * Node decoded the environment as UTF-8; encoding it back gives the bytes it was given.
 */
function environment(): Buffer[] {
	const entries: Buffer[] = [];
	for (const [key, value] of Object.entries(process.env)) {
		if (key === 'DAEMONPROXY_EXITCODE' || key === 'DAEMONPROXY_ERROR' || value === undefined) continue;
		entries.push(Buffer.from(`${key}=${value}`, 'utf8'));
	}
	return entries;
}

/** Sets FD_CLOEXEC to `on`; true when that changed it (a closed fd changes nothing). */
function setCloexec(fd: number, on: boolean): boolean {
	try {
		if (sys.getCloexec(fd) === on) return false;
		sys.setCloexec(fd, on);
		return true;
	} catch {
		return false;
	}
}
