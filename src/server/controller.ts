// One controller connection (spec §4, design §2–§4): its peer credentials, subscriptions and
// stream mode, input framing, in-order command execution with back-pressure, bounded event
// output with overflow, blocked-reader timeouts and received fds.
// Invariants: replies are never dropped (commands pause instead while output is backed up);
// events are dropped only in overflow, followed by exactly one `overflow` line on drain.
// Never blocks and never buffers more than its bounds; never closes fds it does not own.

import { LineSplitter, type SplitItem } from '../protocol/line-splitter.js';
import type { FdStream } from '../os/fd-stream.js';
import type { Peer } from './auth-policy.js';
import { Subscriptions } from './subscriptions.js';

export type ControllerKind = 'config' | 'interactive' | 'socket' | 'service';

/** Above this much unsent output, command processing waits for the reader (§4.4 item 1). */
export const COMMAND_HIGH_WATER_BYTES = 64 * 1024;
/** Above this much unsent output, events are dropped and `overflow` follows (§4.4 item 2). */
export const EVENT_LIMIT_BYTES = 1024 * 1024;
/** Descriptors received with SCM_RIGHTS and not yet taken (1.1 kept 2). */
export const MAX_QUEUED_FDS = 8;
/** Unexecuted input lines buffered before reading pauses. */
const MAX_BACKLOG_ITEMS = 1024;

const OVERFLOW_LINE = Buffer.from('overflow\n', 'latin1');

/** Per-connection output bounds (`--output-high-water`, `--event-queue-limit`). */
export interface OutputLimits {
	/** Above this much unsent output, command processing waits for the reader. */
	readonly highWaterBytes: number;
	/** Above this much unsent output, events are dropped and `overflow` follows. */
	readonly eventLimitBytes: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { highWaterBytes: COMMAND_HIGH_WATER_BYTES, eventLimitBytes: EVENT_LIMIT_BYTES };

export interface ControllerHost {
	/** Execute one command line; may return lines to send incrementally (statedump). */
	execute(controller: Controller, line: string): Iterable<string> | void;
	lineTooLong(controller: Controller): void;
	/** Close fds (received descriptors nobody took). */
	closeFd(fd: number): void;
	log: { warning(text: string): void; error(text: string): void };
	closed(controller: Controller): void;
}

export interface ControllerIo {
	readonly input: FdStream | null;
	readonly output: FdStream | null;
	/** Called once when the controller is finished, to close the fds behind the streams. */
	readonly release: () => void;
}

export class Controller {
	readonly id: number;
	readonly kind: ControllerKind;
	/** Blocked-reader timeouts in seconds (§4.5, `conn.event_timeout`). */
	resetTimeoutSec = 15;
	closeTimeoutSec = 30;
	/** Arrival seq of the newest signal this controller was told about (§11.3). */
	signalMark = 0;
	/** False for an event-only service controller: what the child writes is ignored. */
	acceptsCommands = true;
	/** Who is on the other end: SO_PEERCRED for sockets, the daemon itself for the others. */
	peer: Peer;
	readonly subscriptions = new Subscriptions();
	/** `events.seq on`: every event line to this connection starts with `@SEQ\t` (design §3). */
	seqMode = false;
	/** While `events.resume` replays, live events wait in the ring (the replay catches up). */
	liveHeld = false;
	readonly #limits: OutputLimits;
	readonly #host: ControllerHost;
	readonly #splitter = new LineSplitter();
	readonly #backlog: SplitItem[] = [];
	readonly #receivedFds: number[] = [];
	#io: ControllerIo | null = null;
	#reply: Iterator<string> | null = null;
	#overflow = false;
	#eof = false;
	#exiting = false;
	#closed = false;
	/** Closed for input, waiting for the output to drain before release. */
	#flushing = false;
	#pumping = false;
	#warnedBlocked = false;
	/** Output failed (EPIPE…): nothing more is written, but commands still run. */
	#outputBroken = false;

	constructor(id: number, kind: ControllerKind, host: ControllerHost, peer: Peer, limits: OutputLimits = DEFAULT_OUTPUT_LIMITS) {
		this.id = id;
		this.kind = kind;
		this.#host = host;
		this.peer = peer;
		this.#limits = limits;
	}

	/** Attach the streams; the streams' handlers must call onData/onEnd/onDrain/onError. */
	attach(io: ControllerIo): void {
		this.#io = io;
	}

	get label(): string {
		return `controller[${this.id}]`;
	}

	get hasOutput(): boolean {
		return this.#io?.output != null && !this.#closed && !this.#outputBroken;
	}

	get closed(): boolean {
		return this.#closed;
	}

	get pendingOutputBytes(): number {
		return this.#io?.output?.pendingBytes ?? 0;
	}

	onData(data: Buffer, fds: readonly number[]): void {
		for (const fd of fds) {
			if (this.#receivedFds.length < MAX_QUEUED_FDS && !this.#closed) this.#receivedFds.push(fd);
			else {
				this.#host.log.error(`No room for ancillary file descriptor ${fd}`);
				this.#host.closeFd(fd);
			}
		}
		if (this.#exiting || this.#closed || !this.acceptsCommands) return;
		for (const item of this.#splitter.push(data)) this.#backlog.push(item);
		if (this.#backlog.length >= MAX_BACKLOG_ITEMS) this.#io?.input?.pauseReading();
		this.#pump();
	}

	onEnd(): void {
		if (this.#eof) return;
		this.#eof = true;
		const partial = this.#exiting ? null : this.#splitter.finish();
		if (partial !== null && partial.length > 0) {
			if (this.kind === 'config') {
				this.#host.log.warning('Command ends with EOF... processing anyway');
				this.#backlog.push({ kind: 'line', line: partial });
			} else {
				this.#host.log.warning('Command ends with EOF... ignored');
			}
		}
		this.#pump();
	}

	onDrain(): void {
		if (this.#flushing) {
			this.#flushing = false;
			this.#finish();
			return;
		}
		if (this.#overflow && this.#io?.output) {
			this.#overflow = false;
			this.#io.output.write(OVERFLOW_LINE);
		}
		this.#warnedBlocked = false;
		this.#pump();
	}

	/** A read error (or an error on a write-only stream): the peer is gone; run what it sent, then close. */
	onError(error: Error): void {
		if (this.#closed) return;
		this.#host.log.error(`read(client[${this.id}])): ${error.message}`);
		this.#outputBroken = true;
		this.onEnd();
	}

	/** The peer stopped reading for good (EPIPE): drop output, keep executing its commands to EOF. */
	onWriteError(error: Error): void {
		if (this.#closed) return;
		this.#host.log.warning(`write(controller[${this.id}]): ${error.message}; discarding its output`);
		this.#outputBroken = true;
	}

	/** A line for this controller alone (reply, error, warning): never dropped. */
	send(line: string): void {
		if (!this.hasOutput) return;
		this.#io?.output?.write(Buffer.from(line + '\n', 'latin1'));
	}

	/** Whether a live event of this topic and subject is for this connection now. */
	wants(topic: string, subject: string | undefined): boolean {
		return !this.#closed && !this.liveHeld && this.#io?.output != null && this.subscriptions.matches(topic, subject);
	}

	/** A broadcast line, already encoded with its LF; dropped while in overflow. */
	deliver(encoded: Buffer): void {
		const output = this.#io?.output;
		if (!output || this.#closed || this.#overflow || this.#outputBroken) return;
		if (output.pendingBytes + encoded.length > this.#limits.eventLimitBytes) {
			this.#overflow = true;
			return;
		}
		output.write(encoded);
	}

	/** Oldest received descriptor (fd.take), or undefined. */
	takeFd(): number | undefined {
		return this.#receivedFds.shift();
	}

	/** The `exit` command: stop reading now, flush, then close (§7.18). */
	exit(): void {
		this.#exiting = true;
		this.#backlog.length = 0;
		this.#io?.input?.pauseReading();
		this.onEnd();
	}

	/** Blocked-reader timeouts (§4.5), checked periodically by the daemon. */
	checkBlocked(nowMs: number): void {
		const since = this.#io?.output?.blockedSinceMs ?? null;
		if (since === null || (this.#closed && !this.#flushing)) return;
		const seconds = Math.floor((nowMs - since) / 1000);
		if (seconds >= this.closeTimeoutSec) {
			this.#host.log.error(`controller ${this.id} blocked pipe for ${seconds} seconds, closing connection`);
			this.destroy();
		} else if (seconds >= this.resetTimeoutSec && !this.#warnedBlocked) {
			// 1.1 repeated this warning on every loop pass; once per blocked episode is enough.
			this.#warnedBlocked = true;
			this.#host.log.warning(`controller ${this.id} blocked pipe for ${seconds} seconds`);
		}
	}

	/** Close at once: unsent output is discarded (timeouts, daemon exit). */
	destroy(): void {
		if (this.#closed && !this.#flushing) return;
		this.#closed = true;
		this.#flushing = false;
		this.#io?.input?.destroy();
		this.#io?.output?.destroy();
		this.#finish();
	}

	#pump(): void {
		if (this.#pumping || this.#closed) return;
		this.#pumping = true;
		try {
			while (!this.#closed) {
				const output = this.#io?.output;
				if (output && output.pendingBytes > this.#limits.highWaterBytes) return; // resumed by onDrain
				if (this.#reply) {
					const next = this.#reply.next();
					if (next.done) this.#reply = null;
					else this.send(next.value);
					continue;
				}
				const item = this.#backlog.shift();
				if (!item) break;
				if (item.kind === 'too-long') this.#host.lineTooLong(this);
				else {
					const reply = this.#host.execute(this, item.line);
					if (reply) this.#reply = reply[Symbol.iterator]();
				}
			}
			if (this.#closed) return;
			if (this.#eof) this.#close();
			else if (!this.#exiting) this.#io?.input?.resumeReading();
		} finally {
			this.#pumping = false;
		}
	}

	/** Normal end: all commands done; flush the output, then release. */
	#close(): void {
		this.#closed = true;
		const output = this.#io?.output;
		// One stream may be both ends (a socket): stop reading without dropping queued output.
		if (this.#io?.input === output) output?.pauseReading();
		else this.#io?.input?.destroy();
		if (output && output.pendingBytes > 0) {
			this.#flushing = true; // onDrain finishes, or the close timeout destroys
			return;
		}
		output?.destroy();
		this.#finish();
	}

	#finish(): void {
		this.#io?.output?.destroy();
		for (const fd of this.#receivedFds.splice(0)) {
			this.#host.log.warning(`closing leftover ancillary file descriptor ${fd}`);
			this.#host.closeFd(fd);
		}
		const io = this.#io;
		this.#io = null;
		io?.release();
		this.#host.closed(this);
	}
}
