// The only module that loads the native addon: raw fds and the system calls Node lacks.
// Invariants: every fd created here is close-on-exec; every failure is a SysError whose message is
// strerror(errno); EAGAIN on non-blocking I/O returns null. Never block the loop, never fork().
// Paths, argv and names are latin1 strings (one char per byte) or Buffers (ARCHITECTURE.md).

import { createRequire } from 'node:module';
import { constants } from 'node:os';

/** Raw bytes: a latin1 string (one char per byte) or a Buffer. */
export type Bytes = string | Buffer;

/** A failed system call: `code` is the errno name, `message` exactly strerror(errno). */
export class SysError extends Error {
	readonly code: string;
	readonly errno: number;
	readonly syscall: string;

	/** Called by the addon with everything precomputed; use `SysError.fromErrno` elsewhere. */
	constructor(message: string, code: string, errno: number, syscall: string) {
		super(message);
		this.name = 'SysError';
		this.code = code;
		this.errno = errno;
		this.syscall = syscall;
	}

	/** Builds the error for `errno` (e.g. 2 → ENOENT, "No such file or directory"). */
	static fromErrno(errno: number, syscall: string): SysError {
		return new SysError(native.strerror(errno), native.errnoName(errno), errno, syscall);
	}
}

declare const watcherBrand: unique symbol;
type WatcherHandle = { readonly [watcherBrand]: true };
type NativeRecv = { data: Buffer; fds: number[]; socket: boolean };

/** How recv/send pick the system call: 'auto' tries recvmsg/sendmsg and falls back on ENOTSOCK. */
export type IoKind = 'auto' | 'socket' | 'plain';
const IO_MODE = { auto: 0, socket: 1, plain: 2 } as const;

interface Native {
	pipe(): [number, number];
	socketpair(type: number): [number, number];
	open(path: Bytes, flags: number, mode: number): number;
	mkdir(path: Bytes, mode: number): void;
	close(fd: number): void;
	dupCloexec(fd: number, minFd: number): number;
	setNonblock(fd: number, on: boolean): void;
	setCloexec(fd: number, on: boolean): void;
	getCloexec(fd: number): boolean;
	probe(fd: number): FdProbe | null;
	listOpenFds(): number[];
	socket(domain: number, type: number, nonblock: boolean): number;
	setReuseAddr(fd: number): void;
	bindUnix(fd: number, path: Bytes, mode: number | null): void;
	bindInet(fd: number, address: string, port: number): void;
	bindInet6(fd: number, address: string, port: number): void;
	listen(fd: number, backlog: number): void;
	accept(fd: number): number | null;
	connectUnix(fd: number, path: Bytes): void;
	connectAbstract(name: Bytes): number;
	peerCred(fd: number): { pid: number; uid: number; gid: number };
	recv(fd: number, maxBytes: number, mode: number): NativeRecv | null;
	send(fd: number, data: Uint8Array, fds: number[] | null, mode: number): number | null;
	shutdown(fd: number, how: number): void;
	watcherOpen(fd: number, cb: (readable: boolean, writable: boolean, errno: number) => void): WatcherHandle;
	watcherStart(handle: WatcherHandle, read: boolean, write: boolean): void;
	watcherClose(handle: WatcherHandle): void;
	spawn(file: Bytes, argv: Bytes[], fds: number[], env: Bytes[] | null, newSession: boolean): number;
	reap(): Reaped[];
	onSigchld(cb: () => void): void;
	kill(pid: number, signal: number): void;
	execvp(file: Bytes, argv: Bytes[], env: Bytes[] | null): void;
	setChildSubreaper(): void;
	setProcessName(name: Bytes): void;
	mlockall(): void;
	setsid(): number;
	chdir(path: Bytes): void;
	dup2(from: number, to: number): void;
	mlockallOnFault(): void;
	fatalSignals(signals: number[], cb: (signal: number) => void): void;
	fatalExec(file: Bytes | null, argv: Bytes[], env: Bytes[]): void;
	fatalLogFd(fd: number): void;
	inetPton(family: number, text: string): boolean;
	randomBytes(n: number): Buffer;
	strerror(errno: number): string;
	errnoName(errno: number): string;
	setErrorClass(ctor: typeof SysError): void;
	constants: Record<
		| 'O_RDONLY'
		| 'O_WRONLY'
		| 'O_RDWR'
		| 'O_APPEND'
		| 'O_CREAT'
		| 'O_TRUNC'
		| 'O_NONBLOCK'
		| 'AF_UNIX'
		| 'AF_INET'
		| 'AF_INET6'
		| 'SOCK_STREAM'
		| 'SOCK_DGRAM'
		| 'SOCK_SEQPACKET'
		| 'SHUT_RD'
		| 'SHUT_WR'
		| 'SHUT_RDWR'
		| 'EAGAIN'
		| 'EPERM'
		| 'PIPE_BUF',
		number
	>;
}

// Compiled location: build/src/os/sys.js; addon: build/Release/daemonproxy_sys.node.
const native = createRequire(import.meta.url)('../../../build/Release/daemonproxy_sys.node') as Native;
native.setErrorClass(SysError);
const C = native.constants;

const SOCKET_TYPES = { stream: C.SOCK_STREAM, dgram: C.SOCK_DGRAM, seqpacket: C.SOCK_SEQPACKET } as const;
const DOMAINS = { unix: C.AF_UNIX, inet: C.AF_INET, inet6: C.AF_INET6 } as const;
const SHUTDOWN_HOW = { read: C.SHUT_RD, write: C.SHUT_WR, both: C.SHUT_RDWR } as const;

/** Monotonic milliseconds (CLOCK_MONOTONIC, through process.hrtime): the clock of the wire
 * timestamps, of restart timers and of FdStream.blockedSinceMs. Not performance.now(): its
 * module costs the daemon almost 1 MB of resident memory. */
export function monotonicMs(): number {
	return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Wall-clock milliseconds since the epoch (CLOCK_REALTIME): only to stamp what people read (log
 * lines, captured output); never for a timer or a duration, which use monotonicMs().
 */
export function wallClockMs(): number {
	return Date.now();
}

/** Whether inet_pton(3) accepts `text` as an address of `family`: the parser bind will use. */
export function isInetAddress(family: 'inet' | 'inet6', text: string): boolean {
	// A NUL would make the addon refuse the string (EINVAL) instead of answering "not an address".
	return !text.includes('\0') && native.inetPton(DOMAINS[family], text);
}

/** `n` (1..256) random bytes from getrandom(2); never blocks, even before the entropy pool is ready. */
export function randomBytes(n: number): Buffer {
	return native.randomBytes(n);
}

/** pipe2(O_CLOEXEC). Both ends are blocking until setNonblock or a Watcher changes that. */
export function pipe(): [read: number, write: number] {
	return native.pipe();
}

/** socketpair(AF_UNIX, type | SOCK_CLOEXEC). */
export function socketpair(type: 'stream' | 'dgram' | 'seqpacket'): [number, number] {
	return native.socketpair(SOCKET_TYPES[type]);
}

export interface OpenFlags {
	read: boolean;
	write: boolean;
	append: boolean;
	create: boolean;
	trunc: boolean;
	nonblock: boolean;
}

/**
 * open(2) with O_CLOEXEC|O_NOCTTY added; `mode` (default 0o600) applies when creating. Always
 * opened with O_NONBLOCK, so that a FIFO without its other end cannot block the loop (reading: it
 * opens at once; writing: ENXIO), then O_NONBLOCK is cleared again unless `flags.nonblock` asked
 * for it: the handle's flags are those requested (daemonproxy(8), fd.open).
 */
export function openFile(path: Bytes, flags: OpenFlags, mode = 0o600): number {
	let oflags = flags.read && flags.write ? C.O_RDWR : flags.write ? C.O_WRONLY : C.O_RDONLY;
	if (flags.append) oflags |= C.O_APPEND;
	if (flags.create) oflags |= C.O_CREAT;
	if (flags.trunc) oflags |= C.O_TRUNC;
	const fd = native.open(path, oflags | C.O_NONBLOCK, mode);
	if (!flags.nonblock) {
		try {
			native.setNonblock(fd, false);
		} catch (error: unknown) {
			native.close(fd);
			throw error;
		}
	}
	return fd;
}

/** mkdir(2), one attempt (no retry, no parents): EEXIST and every other failure throw. */
export function mkdir(path: Bytes, mode: number): void {
	native.mkdir(path, mode);
}

/** close(2). An active Watcher on `fd` is closed first (libuv must never poll a closed fd). */
export function close(fd: number): void {
	watchers.get(fd)?.close();
	native.close(fd);
}

/** fcntl(F_DUPFD_CLOEXEC): the lowest free fd >= minFd (default 3). */
export function dupCloexec(fd: number, minFd = 3): number {
	return native.dupCloexec(fd, minFd);
}

/** Sets or clears O_NONBLOCK (on the open file description: shared with every dup of it). */
export function setNonblock(fd: number, on: boolean): void {
	native.setNonblock(fd, on);
}

/** Sets or clears FD_CLOEXEC. */
export function setCloexec(fd: number, on: boolean): void {
	native.setCloexec(fd, on);
}

/** Whether FD_CLOEXEC is set. */
export function getCloexec(fd: number): boolean {
	return native.getCloexec(fd);
}

export interface FdProbe {
	access: 'read' | 'write' | 'read,write';
	append: boolean;
	nonblock: boolean;
	kind: 'file' | 'dir' | 'fifo' | 'socket' | 'chr' | 'blk' | 'other';
	socket?: {
		domain: 'unix' | 'inet' | 'inet6' | 'other';
		type: 'stream' | 'dgram' | 'seqpacket' | 'other';
	};
}

/** What `fd` is (fcntl F_GETFL + fstat + SO_DOMAIN/SO_TYPE); null when it is not open. */
export function probe(fd: number): FdProbe | null {
	return native.probe(fd);
}

/** The fds open in this process, sorted (read from /proc/self/fd, minus the directory's own fd). */
export function listOpenFds(): number[] {
	return native.listOpenFds();
}

/** socket(2) with SOCK_CLOEXEC (and SOCK_NONBLOCK when asked). */
export function createSocket(
	domain: 'unix' | 'inet' | 'inet6',
	type: 'stream' | 'dgram' | 'seqpacket',
	nonblock: boolean,
): number {
	return native.socket(DOMAINS[domain], SOCKET_TYPES[type], nonblock);
}

/** setsockopt(SO_REUSEADDR, 1). */
export function setReuseAddr(fd: number): void {
	native.setReuseAddr(fd);
}

/**
 * bind(2) to a unix address. A leading '\0' makes it a Linux abstract name (up to 108 bytes with
 * the '\0'); a path may have at most 107 bytes. Longer: ENAMETOOLONG; a NUL inside a path: EINVAL.
 * With `mode`, the socket is fchmod'ed first, so a path socket is created with `mode` minus the
 * umask: never more open than asked (chmod the path afterwards to add what the umask took).
 */
export function bindUnix(fd: number, path: Bytes, mode?: number): void {
	native.bindUnix(fd, path, mode ?? null);
}

/** bind(2) to a dotted-quad IPv4 address ('0.0.0.0' = any). A bad address: EINVAL (inet_pton). */
export function bindInet(fd: number, address: string, port: number): void {
	native.bindInet(fd, address, port);
}

/** bind(2) to an IPv6 address ('::' = any). */
export function bindInet6(fd: number, address: string, port: number): void {
	native.bindInet6(fd, address, port);
}

/** listen(2). */
export function listen(fd: number, backlog: number): void {
	native.listen(fd, backlog);
}

/**
 * accept4(SOCK_CLOEXEC|SOCK_NONBLOCK); null when nothing is pending (EAGAIN). The listening socket
 * must be non-blocking (createSocket(…, true) or a Watcher on it), else this waits for a client.
 * EMFILE/ENFILE are thrown: the connection stays queued, so stop polling before retrying.
 */
export function accept(fd: number): number | null {
	return native.accept(fd);
}

/** connect(2) to a unix address (same address rules as bindUnix). */
export function connectUnix(fd: number, path: Bytes): void {
	native.connectUnix(fd, path);
}

/**
 * A new AF_UNIX stream socket (close-on-exec, non-blocking) connected to the Linux abstract name
 * `name`, given without its leading '\0' (`@name` on a command line). The address has the exact
 * length (family + '\0' + name), as `daemonproxy -S @name`, socat and systemd bind it; node:net
 * pads it to the whole sun_path, a different name. Never blocks: SysError EAGAIN when the
 * listener's backlog is full, ECONNREFUSED when nothing is bound to the name, ENAMETOOLONG past
 * 107 bytes, EINVAL for a NUL inside. The caller owns the fd (hand it to net.Socket, or close it).
 */
export function connectAbstract(name: Bytes): number {
	return native.connectAbstract(name);
}

/** The peer's credentials as of connect/socketpair (SO_PEERCRED). */
export function peerCred(fd: number): { pid: number; uid: number; gid: number } {
	return native.peerCred(fd);
}

/**
 * Reads up to maxBytes: null = would block (EAGAIN), data.length 0 = end of file (or an empty
 * datagram). Sockets: recvmsg(MSG_DONTWAIT|MSG_CMSG_CLOEXEC) returning every SCM_RIGHTS fd received
 * (the caller owns and must close them). Other fds: read(2), which blocks unless O_NONBLOCK is set.
 */
export function recv(fd: number, maxBytes: number): { data: Buffer; fds: number[] } | null {
	return native.recv(fd, maxBytes, IO_MODE.auto);
}

/** recv() with the system call chosen by the caller ('plain' = read(2), 'socket' = recvmsg). */
export function recvAs(fd: number, maxBytes: number, kind: IoKind): { data: Buffer; fds: number[] } | null {
	return native.recv(fd, maxBytes, IO_MODE[kind]);
}

/**
 * Writes data; returns the bytes written or null when it would block (EAGAIN). Sockets:
 * sendmsg(MSG_NOSIGNAL|MSG_DONTWAIT), with SCM_RIGHTS when fds are given (a stream socket needs at
 * least one data byte to carry them, else EINVAL). Others: write(2). A gone reader is SysError EPIPE.
 */
export function send(fd: number, data: Uint8Array, fds?: number[]): number | null {
	return native.send(fd, data, fds ?? null, IO_MODE.auto);
}

/** send() with the system call chosen by the caller. */
export function sendAs(fd: number, data: Uint8Array, kind: IoKind, fds?: number[]): number | null {
	return native.send(fd, data, fds ?? null, IO_MODE[kind]);
}

/** shutdown(2). */
export function shutdown(fd: number, how: 'read' | 'write' | 'both'): void {
	native.shutdown(fd, SHUTDOWN_HOW[how]);
}

/** The active Watcher of each fd: libuv allows one poll handle per fd (else EEXIST). */
const watchers = new Map<number, Watcher>();

/**
 * Readiness notification on a raw fd (uv_poll_t). Creating one puts the fd in O_NONBLOCK mode
 * (libuv does) and fails with EPERM for fds epoll cannot watch (regular files, /dev/null) and
 * EEXIST when the fd already has a Watcher. An error event (status < 0, e.g. EBADF for POLLERR)
 * stops polling until `want` is called again; the real cause shows on the next read or write.
 * close() never closes the fd and is safe from inside the callback.
 */
export class Watcher {
	readonly fd: number;
	#handle: WatcherHandle | null;
	#onEvent: (readable: boolean, writable: boolean, error: SysError | undefined) => void;
	#read = false;
	#write = false;

	constructor(fd: number, onEvent: (readable: boolean, writable: boolean, error: SysError | undefined) => void) {
		// libuv only notices a second handle on an fd once the first has started polling.
		if (watchers.has(fd)) throw SysError.fromErrno(constants.errno.EEXIST, 'uv_poll_init');
		this.fd = fd;
		this.#onEvent = onEvent;
		this.#handle = native.watcherOpen(fd, (readable, writable, errno) => {
			this.#fire(readable, writable, errno);
		});
		watchers.set(fd, this);
	}

	/** Whether close() has been called. */
	get closed(): boolean {
		return this.#handle === null;
	}

	/** Poll for these conditions; both false stops polling. No-op after close(). */
	want(read: boolean, write: boolean): void {
		if (this.#handle === null || (read === this.#read && write === this.#write)) return;
		native.watcherStart(this.#handle, read, write);
		this.#read = read;
		this.#write = write;
	}

	/** Stops polling for good (the fd stays open). Idempotent. */
	close(): void {
		if (this.#handle === null) return;
		native.watcherClose(this.#handle);
		this.#handle = null;
		if (watchers.get(this.fd) === this) watchers.delete(this.fd);
	}

	#fire(readable: boolean, writable: boolean, errno: number): void {
		if (this.#handle === null) return;
		if (errno !== 0) {
			// libuv stopped the handle: forget the cached interest so want() restarts it.
			this.#read = false;
			this.#write = false;
			this.#onEvent(false, false, SysError.fromErrno(errno, 'poll'));
			return;
		}
		this.#onEvent(readable, writable, undefined);
	}
}

export interface SpawnRequest {
	/** Program; searched in PATH when it has no '/'. */
	file: Bytes;
	/** Full argv, including argv[0]. */
	argv: Bytes[];
	/** fds[i] = the parent fd the child gets as descriptor i; -1 = descriptor i closed. */
	fds: number[];
	/** Environment as NAME=VALUE entries; default: the current environ. */
	env?: Bytes[];
	/** setsid() in the child. */
	newSession?: boolean;
}

/**
 * posix_spawnp with exactly the listed fds (everything else closed via closefrom), all signal
 * dispositions default and an empty signal mask. Source fds that collide with target numbers are
 * moved out of the way first. Failure to start (fork or exec) throws SysError with syscall 'spawn'.
 */
export function spawn(req: SpawnRequest): number {
	return native.spawn(req.file, req.argv, req.fds, req.env ?? null, req.newSession ?? false);
}

/** One reaped child: `code` for a normal exit, `signal` when killed (0 if neither, not expected). */
export interface Reaped {
	pid: number;
	code: number | null;
	signal: number | null;
}

/** waitpid(-1, WNOHANG) until nothing is left to reap: every exited child, ours or an orphan. */
export function reap(): Reaped[] {
	return native.reap();
}

let childExitInstalled = false;

/**
 * Installs the SIGCHLD handler (an unref'd uv_signal_t: it never keeps the loop alive). On each
 * SIGCHLD, and once right after installing, reap() runs and `callback` gets the non-empty result.
 * Signals coalesce, but reap() loops until waitpid says none is left, so no exit is lost.
 * Call once per process; a second call throws.
 */
export function onChildExit(callback: (reaped: Reaped[]) => void): void {
	if (childExitInstalled) throw new Error('onChildExit: already installed');
	childExitInstalled = true;
	const run = (): void => {
		const reaped = native.reap();
		if (reaped.length > 0) callback(reaped);
	};
	native.onSigchld(run);
	// Children that exited before the handler existed sent their SIGCHLD to nobody.
	setImmediate(run);
}

/** kill(2). */
export function kill(pid: number, signal: number): void {
	native.kill(pid, signal);
}

/**
 * Replaces the process image (execvp/execvpe). Signal dispositions are reset to default and the
 * mask emptied just before, and fds 0-2 lose FD_CLOEXEC (Node sets it on them at startup) so the new
 * image keeps stdin/stdout/stderr; any other fd survives only if the caller cleared its FD_CLOEXEC.
 * If exec fails all of that is restored and SysError (syscall 'execvp') is thrown.
 */
export function execvp(file: Bytes, argv: Bytes[], env?: Bytes[]): never {
	native.execvp(file, argv, env ?? null);
	throw new Error('execvp returned');
}

/** prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to us. */
export function setChildSubreaper(): void {
	native.setChildSubreaper();
}

/** prctl(PR_SET_NAME): the process's name in /proc/PID/comm (ps -o comm, pidof, pgrep -x); 15 bytes at most. */
export function setProcessName(name: Bytes): void {
	native.setProcessName(name);
}

/** mlockall(MCL_CURRENT|MCL_FUTURE). */
export function mlockall(): void {
	native.mlockall();
}

/**
 * mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT): every page is locked once touched, nothing is
 * populated in advance (V8 maps regions it may never use; plain mlockall makes them resident).
 * EINVAL where the kernel lacks MCL_ONFAULT (before Linux 4.4).
 */
export function mlockallOnFault(): void {
	native.mlockallOnFault();
}

/** setsid(2); returns the new session id. */
export function setsid(): number {
	return native.setsid();
}

/** chdir(2). */
export function chdir(path: Bytes): void {
	native.chdir(path);
}

/** dup3(from, to, O_CLOEXEC): `to` now refers to what `from` does (closed first if open). */
export function dup2(from: number, to: number): void {
	native.dup2(from, to);
}

/**
 * Catches `signals` (meant for SIGABRT, SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP) with a native
 * handler on an alternate stack. One sent by another process (kill, sigqueue) is handed to
 * `callback` on the loop, which may continue. Any other (a real fault, abort(), one the process
 * sent itself) cannot safely return: the handler writes `fatal: Received signal SIG<NAME> (<N>)`
 * to the fd of setFatalLogFd, execs the vector of setFatalExec if any (with DAEMONPROXY_EXITCODE=4
 * and DAEMONPROXY_ERROR added), and otherwise _exit(4). A second call only replaces the callback.
 */
export function onFatalSignal(signals: readonly number[], callback: (signal: number) => void): void {
	native.fatalSignals([...signals], callback);
}

/** The exec-on-exit vector for the native fatal path (null: none). `env` as NAME=VALUE entries. */
export function setFatalExec(argv: readonly Bytes[] | null, env: readonly Bytes[] = []): void {
	const file = argv?.[0];
	if (!argv || file === undefined) native.fatalExec(null, [], []);
	else native.fatalExec(file, [...argv], [...env]);
}

/** Where the native fatal path writes its one line (-1: nowhere). Must stay open; non-blocking is best. */
export function setFatalLogFd(fd: number): void {
	native.fatalLogFd(fd);
}

/** strerror(3): the text SysError uses as its message. */
export function strerror(errno: number): string {
	return native.strerror(errno);
}
