// The integration-test harness: starts the compiled daemonproxy (through bin/daemonproxy.cjs) with
// execa, talks to it over stdin/stdout, and makes sure it and everything it started is gone when
// the test ends (teardown), when the worker exits, or when AVA kills the worker on a timeout.
// Tests import everything from here; the other helpers/ modules are re-exported below.

import type { ExecutionContext } from 'ava';
import { execa } from 'execa';
import { commandVia, LineReader } from './line-reader.js';
import { daemonBin } from './paths.js';
import { DEFAULT_TIMEOUT_MS } from './poll.js';
import { killGroup, killProcessTree } from './processes.js';

export {
	commandVia,
	LineReader,
	LineReaderError,
	type LinePredicate,
	type LineReaderErrorCode,
} from './line-reader.js';
export { daemonBin, dpctlBin, fixture, repoRoot, tempDir, waitForPath, watchPath } from './paths.js';
export { DEFAULT_TIMEOUT_MS, POLL_INTERVAL_MS, pollUntil } from './poll.js';
export {
	descendants,
	killGroup,
	killProcessTree,
	listFds,
	monotonicSeconds,
	processGone,
	procStatFields,
} from './processes.js';
export { EventScan, pidOf, processState, readText } from './services.js';
export { SocketClient } from './socket-client.js';
export { fields, next, stateRe, type Cursors } from './state-events.js';

/** Spec §4.1: an interactive controller first gets six `info\t…` lines. */
const BANNER_LINES = 6;

/** `.js` entry points run under this node; anything else (the sh entry point) is executed directly. */
function spawn([file = '', ...rest]: string[], options: StartOptions) {
	const [command, argv] = file.endsWith('.js') ? [process.execPath, [file, ...rest]] : [file, rest];
	return execa(command, argv, {
		stdin: options.stdin ?? 'pipe',
		stdout: 'pipe',
		stderr: 'pipe',
		buffer: false,
		reject: false,
		detached: true, // its own process group, so stop() can kill what it leaves behind
		cleanup: false, // our own hooks do that, for the whole tree
		encoding: 'buffer',
		...(options.cwd === undefined ? {} : { cwd: options.cwd }),
		...(options.env === undefined ? {} : { env: options.env }),
	});
}

/** The execa subprocess (a ResultPromise) of a daemon; awaiting it never rejects. */
export type DaemonProcess = ReturnType<typeof spawn>;
type DaemonResult = Awaited<DaemonProcess>;

export interface Daemon {
	readonly proc: DaemonProcess;
	readonly pid: number;
	readonly stdout: LineReader;
	readonly stderr: LineReader;
	/** Writes `line` plus LF to stdin, latin1-encoded. */
	send(line: string): void;
	/** Writes bytes to stdin as given (a string is latin1-encoded). */
	sendRaw(data: Buffer | string): void;
	closeStdin(): void;
	/** Sends `line` then `echo\t<token>`; resolves with the stdout lines before the token's echo. */
	command(line: string, timeoutMs?: number): Promise<string[]>;
	/** SIGKILLs the daemon if still running, its process group and its descendants; waits for it. */
	stop(): Promise<void>;
}

export interface StartOptions {
	cwd?: string;
	/** Added to (or overriding) the test process's environment. */
	env?: Record<string, string>;
	/** Default true: passes -i and waits for the six banner lines. */
	interactive?: boolean;
	/** Default 'pipe'. */
	stdin?: 'pipe' | 'ignore';
	/** Deadline for the banner; default DEFAULT_TIMEOUT_MS. */
	timeoutMs?: number;
	/** Script run with node instead of bin/daemonproxy.cjs (the harness's own tests use a fake). */
	bin?: string;
}

// Daemons not yet stopped, killed from exit and signal hooks when teardown never gets to run.
const live = new Set<RunningDaemon>();
let hooksInstalled = false;

function killLive(): void {
	for (const daemon of live) killProcessTree(daemon.pid);
	live.clear();
}

// AVA ends a timed-out worker with SIGTERM, which skips teardowns and 'exit' handlers. Kill what
// we started, then let the signal do what it would have done (unless someone else handles it).
function onFatalSignal(signal: NodeJS.Signals): void {
	killLive();
	if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks(): void {
	if (hooksInstalled) return;
	hooksInstalled = true;
	process.on('exit', killLive);
	for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, onFatalSignal);
}

class RunningDaemon implements Daemon {
	readonly proc: DaemonProcess;
	readonly pid: number;
	readonly stdout: LineReader;
	readonly stderr: LineReader;
	#result: Promise<DaemonResult> | undefined;

	constructor(proc: DaemonProcess, pid: number) {
		this.proc = proc;
		this.pid = pid;
		this.stdout = new LineReader(proc.stdout, `daemon ${pid} stdout`);
		this.stderr = new LineReader(proc.stderr, `daemon ${pid} stderr`);
		// Writing to a daemon that has exited gives EPIPE: the test sees it fail, the worker lives.
		proc.stdin?.on('error', () => {});
	}

	send(line: string): void {
		this.sendRaw(`${line}\n`);
	}

	sendRaw(data: Buffer | string): void {
		const stdin = this.proc.stdin;
		if (!stdin) throw new Error(`daemon ${this.pid}: stdin is not a pipe (started with stdin: 'ignore')`);
		stdin.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
	}

	closeStdin(): void {
		this.proc.stdin?.end();
	}

	command(line: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string[]> {
		return commandVia(text => this.send(text), this.stdout, line, timeoutMs);
	}

	async stop(): Promise<void> {
		await this.kill();
	}

	/** Kills (once) and resolves with how the daemon ended. */
	kill(): Promise<DaemonResult> {
		this.#result ??= this.#kill();
		return this.#result;
	}

	async #kill(): Promise<DaemonResult> {
		live.delete(this);
		if (this.proc.exitCode === null && this.proc.signalCode === null) {
			killProcessTree(this.pid);
		} else {
			// Already reaped: its pid may be reused, but not its group id while the group has members.
			killGroup(this.pid);
		}
		return this.proc;
	}
}

function describeEnd(result: DaemonResult): string {
	return result.signal ? `killed by ${result.signal}` : `exit status ${String(result.exitCode)}`;
}

/**
 * Starts `node bin/daemonproxy.cjs [-i] ...args` in its own process group, registered for teardown
 * before anything can fail. With `interactive` (the default) resolves once the banner has arrived;
 * if it does not, the daemon is killed and the error shows its exit and the end of its stderr.
 */
export async function startDaemon(t: ExecutionContext, args: string[], options: StartOptions = {}): Promise<Daemon> {
	const interactive = options.interactive ?? true;
	const argv = [options.bin ?? daemonBin, ...(interactive ? ['-i'] : []), ...args];
	const proc = spawn(argv, options);
	const { pid } = proc;
	if (pid === undefined) {
		const result = await proc;
		throw new Error(`startDaemon: could not spawn ${process.execPath}: ${result.message}`);
	}
	installHooks();
	const daemon = new RunningDaemon(proc, pid);
	live.add(daemon);
	t.teardown(() => daemon.stop());
	if (!interactive) return daemon;

	const deadline = performance.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
	try {
		for (let i = 1; i <= BANNER_LINES; i++) {
			const line = await daemon.stdout.next(Math.max(1, deadline - performance.now()));
			if (!line.startsWith('info\t')) {
				throw new Error(`banner line ${i} is ${JSON.stringify(line)}, expected "info\\t…"`);
			}
		}
	} catch (error: unknown) {
		const result = await daemon.kill();
		await daemon.stderr.ended;
		const stderr = daemon.stderr.seen
			.slice(-20)
			.map(line => `  ${line}`)
			.join('\n');
		const reason = error instanceof Error ? error.message : String(error);
		throw new Error(
			`startDaemon: ${argv.join(' ')}: no banner (${describeEnd(result)}): ${reason}\n` + `stderr:\n${stderr}`,
			{ cause: error },
		);
	}
	return daemon;
}
