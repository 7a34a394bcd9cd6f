// One controller connection (daemonproxy(8), CONTROLLERS): its peer credentials, subscriptions and
// event settings, input framing, in-order command execution with back-pressure, bounded event
// output with overflow, blocked-reader timeouts and received fds. Its phase and output mode live
// in one ControllerState (controller-state.ts, where every transition is); this class does the I/O.
// Invariants: replies are never dropped (commands pause instead while output is backed up);
// events are dropped only in overflow, followed by exactly one `overflow` line on drain; the
// connection is released exactly once. Never blocks, never buffers more than its bounds, never
// closes fds it does not own; reads and writes only through the ByteStream port.

import { LineSplitter, type SplitItem } from '../protocol/line-splitter.js';
import type { Peer } from './auth-policy.js';
import type { ByteStream } from './byte-stream.js';
import { INITIAL_STATE, isRunning, step, type ControllerInput, type ControllerState } from './controller-state.js';
import { DEFAULT_OUTPUT_LIMITS, MAX_QUEUED_FDS, STREAM_LINES_PER_TURN, type OutputLimits } from './limits.js';
import { Subscriptions } from './subscriptions.js';
import { TurnBudget } from './turn-budget.js';

export type ControllerKind = 'config' | 'interactive' | 'socket' | 'service';

/** Unexecuted input lines buffered before reading pauses. */
const MAX_BACKLOG_ITEMS = 1024;

const OVERFLOW_LINE = Buffer.from('overflow\n', 'latin1');

/** Blocked-reader timeouts in seconds (`conn.event_timeout`; daemonproxy(8), Blocked-reader timeouts). */
export interface ReaderTimeouts {
	/** A reader blocked this long is warned about in the log, once per blocked episode. */
	readonly resetSec: number;
	/** A reader blocked this long is disconnected. */
	readonly closeSec: number;
}

export const DEFAULT_READER_TIMEOUTS: ReaderTimeouts = { resetSec: 15, closeSec: 30 };

/** How events reach this connection: set by its events.* commands, statedump and the daemon's fan-out. */
export interface EventDelivery {
	/** `events.seq on`: every event line to this connection starts with `@SEQ\t`. */
	seqMode: boolean;
	/** While `events.resume` replays, live events wait in the ring (the replay catches up). */
	liveHeld: boolean;
	/** Arrival seq of the newest signal this controller was told about. */
	signalMark: number;
	/** Services whose captured output this connection follows (output.follow). */
	readonly following: Set<string>;
}

export interface ControllerHost {
	/** Execute one command line; may return lines to send incrementally (statedump). */
	execute(controller: Controller, line: string): Iterable<string> | void;
	lineTooLong(controller: Controller): void;
	/** Close fds (received descriptors nobody took). */
	closeFd(fd: number): void;
	log: { debug(text: string): void; warning(text: string): void; error(text: string): void };
	closed(controller: Controller): void;
}

export interface ControllerIo {
	readonly input: ByteStream | null;
	/** May be the same stream as input (a socket). */
	readonly output: ByteStream | null;
	/** Called once when the controller is finished, to close the fds behind the streams. */
	readonly release: () => void;
}

export class Controller {
	readonly id: number;
	readonly kind: ControllerKind;
	readonly subscriptions = new Subscriptions();
	readonly delivery: EventDelivery = { seqMode: false, liveHeld: false, signalMark: 0, following: new Set() };
	readonly #limits: OutputLimits;
	readonly #host: ControllerHost;
	readonly #budget: TurnBudget;
	readonly #splitter = new LineSplitter();
	readonly #backlog: SplitItem[] = [];
	readonly #receivedFds: number[] = [];
	#peer: Peer;
	#timeouts: ReaderTimeouts = DEFAULT_READER_TIMEOUTS;
	#acceptsCommands = true;
	#state: ControllerState = INITIAL_STATE;
	#io: ControllerIo | null = null;
	#reply: Iterator<string> | null = null;
	/** Waiting for the next loop turn's budget to go on with #reply. */
	#awaitingTurn = false;
	/** Not part of the state: guards the command loop against re-entry from a command it runs. */
	#pumping = false;
	/** blockedSinceMs of the blocked episode already warned about (1.1 warned on every pass). */
	#warnedBlockedSince: number | null = null;

	constructor(
		id: number,
		kind: ControllerKind,
		host: ControllerHost,
		peer: Peer,
		limits: OutputLimits = DEFAULT_OUTPUT_LIMITS,
		/** Shared by every controller of the process (ControllerTable): the loop turn is what they share. */
		budget: TurnBudget = new TurnBudget(STREAM_LINES_PER_TURN),
	) {
		this.id = id;
		this.kind = kind;
		this.#host = host;
		this.#peer = peer;
		this.#limits = limits;
		this.#budget = budget;
	}

	/** Attach the streams; the streams' handlers must call onData/onEnd/onDrain/onError/onWriteError. */
	attach(io: ControllerIo): void {
		this.#io = io;
	}

	get label(): string {
		return `controller[${this.id}]`;
	}

	/** Who is on the other end: SO_PEERCRED for sockets, the daemon itself for the others. */
	get peer(): Peer {
		return this.#peer;
	}

	/** A service controller learns its peer's pid once the child is spawned. */
	setPeerPid(pid: number): void {
		this.#peer = { ...this.#peer, pid };
	}

	/** False for an event-only service controller: what the child writes is ignored. */
	get acceptsCommands(): boolean {
		return this.#acceptsCommands;
	}

	/** Make this an event-only controller (a service without control.cmd or control.socket). */
	ignoreCommands(): void {
		this.#acceptsCommands = false;
	}

	get timeouts(): ReaderTimeouts {
		return this.#timeouts;
	}

	setTimeouts(timeouts: ReaderTimeouts): void {
		this.#timeouts = timeouts;
	}

	get state(): ControllerState {
		return this.#state;
	}

	get hasOutput(): boolean {
		return this.#io?.output != null && isRunning(this.#state.phase) && this.#state.output !== 'broken';
	}

	/** Whether the connection no longer runs commands (flushing its last output, or released). */
	get closed(): boolean {
		return !isRunning(this.#state.phase);
	}

	get pendingOutputBytes(): number {
		return this.#io?.output?.pendingBytes ?? 0;
	}

	onData(data: Buffer, fds: readonly number[]): void {
		const running = isRunning(this.#state.phase);
		for (const fd of fds) {
			if (this.#receivedFds.length < MAX_QUEUED_FDS && running) this.#receivedFds.push(fd);
			else {
				this.#host.log.error(`No room for ancillary file descriptor ${fd}`);
				this.#host.closeFd(fd);
			}
		}
		if (this.#state.phase !== 'open' || !this.#acceptsCommands) return;
		for (const item of this.#splitter.push(data)) this.#backlog.push(item);
		if (this.#backlog.length >= MAX_BACKLOG_ITEMS) this.#io?.input?.pauseReading();
		this.#pump();
	}

	onEnd(): void {
		if (!this.#apply('input-end')) return;
		this.#takePartialLine();
		this.#pump();
	}

	onDrain(): void {
		const before = this.#state;
		this.#apply('drained');
		if (before.phase === 'flushing') {
			this.#finish();
			return;
		}
		if (before.output === 'overflowed') this.#io?.output?.write(OVERFLOW_LINE);
		this.#warnedBlockedSince = null;
		this.#pump();
	}

	/** A read error (or an error on a write-only stream): the peer is gone; run what it sent, then close. */
	onError(error: Error): void {
		if (this.#peerGoneWhileFlushing('read-failed')) return;
		if (!isRunning(this.#state.phase)) return;
		// A peer that closes with unread input in its socket resets the connection: that is how a
		// client leaves (dpctl after its answer), not a failure of ours, so it is no error.
		if ((error as Error & { code?: string }).code === 'ECONNRESET')
			this.#host.log.debug(`client[${this.id}] closed the connection (reset by peer)`);
		else this.#host.log.error(`read(client[${this.id}])): ${error.message}`);
		const before = this.#state.phase;
		this.#apply('read-failed');
		if (before !== 'open') return; // input had already ended: the command loop is where it was
		this.#takePartialLine();
		this.#pump();
	}

	/** The peer stopped reading for good (EPIPE): drop output, keep executing its commands to EOF. */
	onWriteError(error: Error): void {
		if (this.#peerGoneWhileFlushing('write-failed')) return;
		if (!isRunning(this.#state.phase)) return;
		// After the peer's end of input it is leaving in order (a client that closed): no warning.
		const text = `write(controller[${this.id}]): ${error.message}; discarding its output`;
		if (this.#state.phase === 'input-ended') this.#host.log.debug(text);
		else this.#host.log.warning(text);
		this.#apply('write-failed');
		this.#pump(); // drops a streamed reply nobody will read
	}

	/** A line for this controller alone (reply, error, warning): never dropped. */
	send(line: string): void {
		if (!this.hasOutput) return;
		this.#io?.output?.write(Buffer.from(line + '\n', 'latin1'));
	}

	/** Whether a live event of this topic and subject is for this connection now. */
	wants(topic: string, subject: string | undefined): boolean {
		return (
			isRunning(this.#state.phase) &&
			!this.delivery.liveHeld &&
			this.#io?.output != null &&
			this.subscriptions.matches(topic, subject)
		);
	}

	/** Whether deliver() would take a line now (not in overflow): lets a sender skip encoding. */
	get acceptsEvents(): boolean {
		return this.#io?.output != null && isRunning(this.#state.phase) && this.#state.output === 'flowing';
	}

	/** A broadcast line, already encoded with its LF; dropped while in overflow. */
	deliver(encoded: Buffer): void {
		const output = this.#io?.output;
		if (!output || !isRunning(this.#state.phase) || this.#state.output !== 'flowing') return;
		if (output.pendingBytes + encoded.length > this.#limits.eventLimitBytes) {
			this.#apply('event-over-limit');
			return;
		}
		output.write(encoded);
	}

	/** Oldest received descriptor (fd.take), or undefined. */
	takeFd(): number | undefined {
		return this.#receivedFds.shift();
	}

	/** The `exit` command: stop reading now and drop what was received, flush, then close. */
	exit(): void {
		this.#backlog.length = 0;
		this.#io?.input?.pauseReading();
		// A partial line is dropped silently: the connection asked to end before it.
		if (this.#apply('input-end')) this.#pump();
	}

	/** Blocked-reader timeouts, checked periodically by the daemon (`nowMs` on the streams' clock). */
	checkBlocked(nowMs: number): void {
		const since = this.#io?.output?.blockedSinceMs ?? null;
		if (since === null || this.#state.phase === 'closed') return;
		const seconds = Math.floor((nowMs - since) / 1000);
		if (seconds >= this.#timeouts.closeSec) {
			this.#host.log.error(`controller ${this.id} blocked pipe for ${seconds} seconds, closing connection`);
			this.destroy();
		} else if (seconds >= this.#timeouts.resetSec && this.#warnedBlockedSince !== since) {
			this.#warnedBlockedSince = since;
			this.#host.log.warning(`controller ${this.id} blocked pipe for ${seconds} seconds`);
		}
	}

	/** Close at once: unsent output is discarded (timeouts, daemon exit). */
	destroy(): void {
		if (!this.#apply('destroy')) return;
		this.#io?.input?.destroy();
		this.#io?.output?.destroy();
		this.#finish();
	}

	/** Flushing when the peer goes away: what is queued can never drain, so release now. */
	#peerGoneWhileFlushing(input: 'read-failed' | 'write-failed'): boolean {
		if (this.#state.phase !== 'flushing') return false;
		if (this.#apply(input)) this.#finish();
		return true;
	}

	/** The one place the state changes; true when `input` changed it. */
	#apply(input: ControllerInput): boolean {
		const next = step(this.#state, input);
		if (next === this.#state) return false;
		this.#state = next;
		return true;
	}

	/** At EOF, an unterminated last line: run it from a config file, ignore it from anyone else. */
	#takePartialLine(): void {
		const partial = this.#splitter.finish();
		if (partial === null || partial.length === 0) return;
		if (this.kind === 'config') {
			this.#host.log.warning('Command ends with EOF... processing anyway');
			this.#backlog.push({ kind: 'line', line: partial });
		} else {
			this.#host.log.warning('Command ends with EOF... ignored');
		}
	}

	#pump(): void {
		if (this.#pumping || !isRunning(this.#state.phase)) return;
		this.#pumping = true;
		try {
			while (isRunning(this.#state.phase)) {
				const output = this.#io?.output;
				if (output && output.pendingBytes > this.#limits.highWaterBytes) return; // resumed by onDrain
				if (this.#reply && this.#state.output === 'broken') this.#dropReply(); // nobody will read it
				if (this.#reply) {
					if (this.#awaitingTurn) return; // resumed by the budget
					if (!this.#budget.take()) {
						this.#awaitingTurn = true;
						this.#budget.wait(() => {
							this.#awaitingTurn = false;
							this.#pump();
						});
						return;
					}
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
			if (this.#state.phase === 'input-ended') this.#close();
			else if (this.#state.phase === 'open') this.#io?.input?.resumeReading();
		} finally {
			this.#pumping = false;
		}
	}

	/** Normal end: all commands done; flush the output, then release. */
	#close(): void {
		const output = this.#io?.output;
		const queued = output != null && output.pendingBytes > 0;
		this.#apply(queued ? 'commands-done-output-queued' : 'commands-done');
		// One stream may be both ends (a socket): stop reading without dropping queued output.
		if (this.#io?.input === output) output?.pauseReading();
		else this.#io?.input?.destroy();
		if (queued) return; // onDrain finishes, or the close timeout destroys
		output?.destroy();
		this.#finish();
	}

	/** Stops a streamed reply and lets it clean up (events.resume puts live delivery back). */
	#dropReply(): void {
		const reply = this.#reply;
		this.#reply = null;
		reply?.return?.();
	}

	#finish(): void {
		this.#dropReply();
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
