// -D / --daemonize without fork(): Node cannot fork a running V8, so the process the
// user started (the *launcher*) re-executes the same program with the same arguments as a new
// session leader (posix_spawn + setsid) and waits for a verdict on a readiness pipe. The
// *daemon* runs the whole startup with the launcher's stdin, stdout and stderr (so startup errors
// appear where 1.1 showed them), then puts /dev/null on descriptors 0–2 and on the
// stdin/stdout/stderr handles, and reports `ready`. The launcher then prints the daemon's pid
// without a newline and exits 0; or, when the daemon's startup ended it, exits with its status.
// Verdict lines on the pipe: `ready`, `exit N`, `exec N` (the exec-on-exit program replaced the
// daemon during startup: the pid lives on, the launcher prints it and exits N).

import { readSync, writeSync } from 'node:fs';
import { wireFromArg } from '../protocol/fields.js';
import * as sys from '../os/sys.js';
import { EXIT_STATUS } from './exit-status.js';

/** Names the readiness pipe's descriptor in the daemon; its presence means "you are the daemon". */
export const DAEMONIZE_FD_ENV = 'DAEMONPROXY_DAEMONIZE_FD';
const INHERITED_FDS_ENV = 'DAEMONPROXY_INHERITED_FDS';
/** How long the launcher waits for a daemon that closed the pipe without a verdict to be reaped. */
const REAP_WAIT_MS = 5000;

/** The daemon's end of the readiness pipe, read once from the environment (and removed from it). */
export function takeReadinessFd(): number | null {
	const value = process.env[DAEMONIZE_FD_ENV];
	delete process.env[DAEMONIZE_FD_ENV];
	if (value === undefined || !/^[0-9]{1,4}$/.test(value)) return null;
	const fd = Number(value);
	if (fd < 3 || sys.probe(fd) === null) return null;
	sys.setCloexec(fd, true);
	return fd;
}

/**
 * The launcher: starts the daemon and exits with the verdict; never returns. `argv` are the
 * arguments as given, as wire strings (the daemon parses them again and knows its role from DAEMONIZE_FD_ENV).
 * Only descriptors 0–2 go to the daemon, and those only until it is ready: a descriptor 3 or up
 * of the caller (a pipe's write end a caller leaked, say) would keep `daemonproxy -D … | cat`
 * waiting for the daemon's end, so the daemon has no fd_N handles (daemonproxy(8), -D).
 */
export function launch(argv: readonly string[]): never {
	const readyFd = 3;
	const fds: number[] = new Array<number>(readyFd + 1).fill(-1);
	for (const fd of [0, 1, 2]) fds[fd] = sys.probe(fd) === null ? -1 : fd;
	const [readEnd, writeEnd] = sys.pipe();
	fds[readyFd] = writeEnd;
	const env = Object.entries(process.env)
		.filter(([key, value]) => value !== undefined && key !== DAEMONIZE_FD_ENV && key !== INHERITED_FDS_ENV)
		.map(([key, value]) => Buffer.from(`${key}=${value ?? ''}`, 'utf8'));
	env.push(Buffer.from(`${INHERITED_FDS_ENV}=`), Buffer.from(`${DAEMONIZE_FD_ENV}=${readyFd}`));
	const script = process.argv[1] ?? '';
	const node = wireFromArg(process.execPath);
	let pid: number;
	try {
		pid = sys.spawn({
			file: node,
			argv: [node, ...[...process.execArgv, script].map(wireFromArg), ...argv],
			fds,
			env,
			newSession: true,
		});
	} catch (error: unknown) {
		writeSync(2, `fatal: fork: ${(error as Error).message}\n`);
		process.exit(EXIT_STATUS.environment);
	}
	sys.close(writeEnd);
	const verdict = readVerdict(readEnd);
	const [word, number] = verdict.split(' ');
	const status = Number(number ?? 'NaN');
	if (word === 'ready') {
		printPid(pid);
		process.exit(EXIT_STATUS.normal);
	}
	if (word === 'exec' && Number.isInteger(status)) {
		printPid(pid);
		process.exit(status);
	}
	if (word === 'exit' && Number.isInteger(status)) {
		waitFor(pid);
		process.exit(status);
	}
	// No verdict: the daemon died during startup (a signal) or its native fatal path ran.
	const reaped = waitFor(pid);
	if (reaped === null) {
		printPid(pid);
		process.exit(EXIT_STATUS.fatalSignal);
	}
	process.exit(reaped.code ?? EXIT_STATUS.fatalSignal);
}

/** The pid, without a newline; a closed stdout loses it, nothing else. */
function printPid(pid: number): void {
	try {
		writeSync(1, String(pid));
	} catch {
		// nobody to tell
	}
}

/** The first line the daemon writes, or '' at end of file. Blocking: the launcher has nothing else to do. */
function readVerdict(fd: number): string {
	const buffer = Buffer.alloc(64);
	let text = '';
	for (;;) {
		let n: number;
		try {
			n = readSync(fd, buffer, 0, buffer.length, null);
		} catch (error: unknown) {
			if ((error as NodeJS.ErrnoException).code === 'EAGAIN' || (error as NodeJS.ErrnoException).code === 'EINTR')
				continue;
			return '';
		}
		if (n === 0) return '';
		text += buffer.toString('latin1', 0, n);
		const newline = text.indexOf('\n');
		if (newline >= 0) return text.slice(0, newline);
	}
}

/** Reap `pid` (our only child), polling up to REAP_WAIT_MS; null if it is still running. */
function waitFor(pid: number): sys.Reaped | null {
	const sleeper = new Int32Array(new SharedArrayBuffer(4));
	const deadline = sys.monotonicMs() + REAP_WAIT_MS;
	for (;;) {
		const found = sys.reap().find(child => child.pid === pid);
		if (found) return found;
		if (sys.monotonicMs() > deadline) return null;
		Atomics.wait(sleeper, 0, 0, 10);
	}
}

/** The daemon's side: reports the verdict once, then forgets the pipe. */
export class Readiness {
	#fd: number | null;

	constructor(fd: number | null) {
		this.#fd = fd;
	}

	get pending(): boolean {
		return this.#fd !== null;
	}

	/**
	 * Startup is complete: /dev/null goes on descriptors 0–2 (the launcher's terminal or pipes are
	 * released, so `pid=$(daemonproxy -D …)` returns), then `ready`. `detach` replaces the
	 * stdin/stdout/stderr handles and the log's way out before the verdict is sent.
	 */
	ready(detach: () => void): void {
		if (this.#fd === null) return;
		const devNull = sys.openFile('/dev/null', {
			read: true,
			write: true,
			append: false,
			create: false,
			trunc: false,
			nonblock: false,
		});
		for (const fd of [0, 1, 2]) sys.dup2(devNull, fd);
		sys.close(devNull);
		detach();
		this.#send('ready');
	}

	/** The daemon ends (or execs) before it was ready: the launcher exits with `status`. */
	ended(kind: 'exit' | 'exec', status: number): void {
		this.#send(`${kind} ${status}`);
	}

	#send(verdict: string): void {
		const fd = this.#fd;
		if (fd === null) return;
		this.#fd = null;
		try {
			writeSync(fd, `${verdict}\n`);
		} catch {
			// the launcher is gone: nobody to tell
		}
		sys.close(fd);
	}
}
