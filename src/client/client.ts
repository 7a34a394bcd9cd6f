// A long-lived client of the control socket: typed commands (TypedCommands), event streams with
// subscriptions, and automatic reconnection that resumes the stream from the last sequence number
// (events.seq, events.resume) or, after a gap or without that extension, hands every
// stream a fresh statedump as a `resync` item.
// Invariants: an event reaches a stream at most once and in daemon order (sequence numbers are
// checked); while the stream is catching up, live events are held back, then released in order.
// Must never resend a command after a lost connection: it may have run (it rejects instead).

import type { Duplex } from 'node:stream';
import { isGapLine, parseLiveLine } from '../protocol/stream-lines.js';
import { Connection, type Encoding, type Reply, type RequestMode, type RequestOptions } from './connection.js';
import { dialUnixSocket, type Dialer } from './dial.js';
import { ConnectionError, DaemonError } from './errors.js';
import { compilePatterns, EventQueue, eventItem, type ResyncItem, type StreamItem } from './event-stream.js';
import { parseDump, TypedCommands, type CallOptions } from './typed-commands.js';
import { classifyLine, seqOnReply, type IncomingLine } from './wire.js';

export interface ConnectOptions {
	/** `auto` (default): request tags when the daemon has them, echo barriers otherwise. */
	readonly mode?: RequestMode;
	/** `utf8` (default) for ordinary strings; `latin1` to see every byte as one character. */
	readonly encoding?: Encoding;
	/** Reconnect (with backoff) when the connection is lost, resuming event streams. Default true. */
	readonly reconnect?: boolean;
	/** Bounds the first connection attempt. */
	readonly signal?: AbortSignal;
	/** How to open the byte stream (default: the Unix socket at the address). */
	readonly dial?: Dialer;
	/**
	 * The one uid, besides root and the caller's own, that the daemon may run as; any other owner
	 * of the socket is refused with a ConnectionError (`code` EPEERUID) before anything is sent.
	 */
	readonly serverUid?: number;
	/** Told when the connection is lost (and reconnecting starts) and when it is back. */
	readonly onConnection?: (state: 'lost' | 'restored', error: ConnectionError | null) => void;
}

export interface EventsOptions {
	readonly signal?: AbortSignal | undefined;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

export class Client extends TypedCommands {
	readonly address: string;
	readonly #options: ConnectOptions;
	readonly #dial: Dialer;
	readonly #queues = new Set<EventQueue>();
	#conn: Connection | null = null;
	#reconnecting: Promise<Connection> | null = null;
	#lastError: ConnectionError | null = null;
	#closing = false;
	/** `events.seq on` on one connection, sent once however many streams ask; true when it worked. */
	#seqSetup: { conn: Connection; ready: Promise<boolean> } | null = null;
	/** Whether the daemon has the stream extensions (events.seq and the rest); null until asked. */
	#extensions: boolean | null = null;
	/** Joined patterns subscribed on #conn; null means the default (everything). */
	#subscribed: string | null = null;
	/** The daemon run whose numbers #lastSeq counts (a restarted daemon starts afresh). */
	#streamId: string | null = null;
	/** The stream id the daemon reported on the current sequenced connection. */
	#connStreamId: string | null = null;
	#lastSeq: number | null = null;
	#holding = 0;
	readonly #held: IncomingLine[] = [];

	private constructor(address: string, options: ConnectOptions) {
		super();
		this.address = address;
		this.#options = options;
		this.#dial = options.dial ?? dialUnixSocket;
	}

	/** Use `connect()` from the package. */
	static async open(address: string, options: ConnectOptions = {}): Promise<Client> {
		const client = new Client(address, options);
		client.#attach(await client.#dial(address, options.signal, options.serverUid));
		return client;
	}

	/** `tagged` or `echo` once known (after the first reply); `unknown` before. */
	get mode(): 'unknown' | 'tagged' | 'echo' {
		return this.#conn?.mode ?? 'unknown';
	}

	get connected(): boolean {
		return this.#conn !== null && !this.#conn.closed;
	}

	override async command(fields: readonly string[], options: RequestOptions = {}): Promise<Reply> {
		const conn = await this.#connection(options.signal);
		return conn.request(fields, options);
	}

	/** Subscribes on the daemon for this connection only; prefer events(patterns). */
	subscribe(patterns: readonly string[], options?: RequestOptions): Promise<Reply> {
		return this.command(['events.subscribe', ...patterns], options);
	}

	unsubscribe(patterns: readonly string[], options?: RequestOptions): Promise<Reply> {
		return this.command(['events.unsubscribe', ...patterns], options);
	}

	/**
	 * Events matching any of `patterns` (`TOPIC` or `TOPIC:NAME`, `*` globs; none means all), as an
	 * async iterator. After lost events it yields a `resync` item carrying a fresh snapshot.
	 */
	events(patterns: readonly string[] = [], options: EventsOptions = {}): AsyncIterableIterator<StreamItem> {
		const compiled = patterns.length === 0 ? null : compilePatterns(patterns);
		const queue = new EventQueue(
			compiled,
			{
				onLost: q => void this.#resync([q], 'overflow').catch(() => {}),
				onDone: q => this.#queues.delete(q),
			},
			options.signal,
		);
		if (queue.done) return queue;
		this.#queues.add(queue);
		if (this.#closing) queue.end();
		else if (this.#conn) void this.#prepareStream(this.#conn, null).catch(() => {});
		return queue;
	}

	/**
	 * Starts each service (one already up counts as started) and resolves once every one is `up`.
	 * Rejects with a DaemonError naming the services that went down instead (`web (exit 3)`), or
	 * with `options.signal`'s reason. The event stream is opened first, so no change slips between.
	 */
	async startAndWait(names: readonly string[], options: CallOptions = {}): Promise<void> {
		const stream = this.events(
			names.map(name => `service.state:${name}`),
			options.signal ? { signal: options.signal } : {},
		);
		try {
			// Only what is not up is started: a refused service.start is an error in the daemon's log.
			const { snapshot } = await this.statedump(options);
			const pending = new Set(names.filter(name => snapshot.services.get(name)?.state !== 'up'));
			for (const name of pending) {
				try {
					await this.serviceStart(name, options);
				} catch (error: unknown) {
					// It came up meanwhile: its `up` is in the stream.
					if (!(error instanceof DaemonError && error.message === 'service is not startable')) throw error;
				}
			}
			const failed: string[] = [];
			// A `down` counts only after the `start` that service.start broadcasts: an earlier one is old news.
			const starting = new Set<string>();
			const judge = (name: string, state: string, how: string): void => {
				if (state === 'start') starting.add(name);
				if (!pending.has(name) || state === 'start' || (state === 'down' && !starting.has(name))) return;
				pending.delete(name);
				if (state !== 'up') failed.push(`${name} (${how})`);
			};
			while (pending.size > 0) {
				const next = await stream.next();
				if (next.done) throw this.#lastError ?? new ConnectionError('ECLOSED', this.address, 'client closed');
				const item = next.value;
				if (item.kind === 'resync') {
					for (const name of [...pending]) {
						const s = item.snapshot.services.get(name);
						starting.add(name); // a fresh snapshot is no old news
						judge(name, s?.state ?? 'deleted', s?.exit ? `${s.exit.reason} ${s.exit.value}` : 'deleted');
					}
				} else if (item.event?.type === 'service.state') {
					const e = item.event;
					judge(e.name, e.state, e.reason === null ? e.state : `${e.reason} ${e.value ?? ''}`);
				}
			}
			if (failed.length > 0)
				throw new DaemonError(['service.start', ...names].join('\t'), `failed to start: ${failed.join(', ')}`);
		} finally {
			await stream.return?.();
		}
	}

	/** Ends the connection after pending replies; ends event streams; no reconnect. */
	close(): void {
		this.#closing = true;
		for (const q of [...this.#queues]) q.end();
		this.#conn?.end();
	}

	/** Drops the connection at once. */
	destroy(): void {
		this.#closing = true;
		for (const q of [...this.#queues]) q.end();
		this.#conn?.destroy();
	}

	#attach(stream: Duplex): Connection {
		const conn: Connection = new Connection(stream, {
			address: this.address,
			...(this.#options.mode === undefined ? {} : { mode: this.#options.mode }),
			encoding: this.#options.encoding ?? 'utf8',
			onEvent: incoming => this.#onEvent(incoming),
			onClose: error => this.#onClose(conn, error),
		});
		this.#conn = conn;
		this.#subscribed = null;
		return conn;
	}

	async #connection(signal: AbortSignal | undefined): Promise<Connection> {
		if (this.#conn && !this.#conn.closed) return this.#conn;
		if (!this.#reconnecting) throw this.#lastError ?? new ConnectionError('ECLOSED', this.address, 'client closed');
		if (!signal) return this.#reconnecting;
		return Promise.race([
			this.#reconnecting,
			new Promise<never>((_, reject) => {
				if (signal.aborted) reject(signal.reason);
				signal.addEventListener('abort', () => reject(signal.reason), { once: true });
			}),
		]);
	}

	#onClose(conn: Connection, error: ConnectionError): void {
		if (conn !== this.#conn) return;
		this.#conn = null;
		this.#lastError = error;
		if (this.#closing || this.#options.reconnect === false) {
			for (const q of [...this.#queues]) {
				if (this.#closing) q.end();
				else q.fail(error);
			}
			return;
		}
		this.#reconnecting = this.#reconnect();
		this.#reconnecting.catch(() => {});
		this.#options.onConnection?.('lost', error);
	}

	async #reconnect(): Promise<Connection> {
		let delayMs = RETRY_MIN_MS;
		for (;;) {
			await new Promise(resolve => setTimeout(resolve, delayMs));
			if (this.#closing) throw this.#lastError ?? new ConnectionError('ECLOSED', this.address, 'client closed');
			try {
				const conn = this.#attach(await this.#dial(this.address, undefined, this.#options.serverUid));
				this.#reconnecting = null;
				this.#options.onConnection?.('restored', null);
				void this.#prepareStream(conn, 'reconnect').catch(() => {});
				return conn;
			} catch (error: unknown) {
				if (error instanceof ConnectionError) this.#lastError = error;
				delayMs = Math.min(delayMs * 2, RETRY_MAX_MS);
			}
		}
	}

	/** Per connection: sequence numbers and subscriptions (when the daemon has them), then catch up. */
	async #prepareStream(conn: Connection, reason: 'reconnect' | null): Promise<void> {
		if (this.#queues.size === 0) return;
		this.#holding++;
		try {
			if (await this.#sequenced(conn)) await this.#syncSubscriptions(conn);
			if (reason) await this.#catchUp(conn, reason);
		} finally {
			if (--this.#holding === 0) this.#release();
		}
	}

	/** Whether events on `conn` carry sequence numbers: asks the daemon once per connection. */
	#sequenced(conn: Connection): Promise<boolean> {
		if (this.#extensions === false || conn.mode === 'echo') return Promise.resolve(false);
		if (this.#seqSetup?.conn !== conn) this.#seqSetup = { conn, ready: this.#enableSeq(conn) };
		return this.#seqSetup.ready;
	}

	async #enableSeq(conn: Connection): Promise<boolean> {
		try {
			const on = seqOnReply((await conn.request(['events.seq', 'on'])).lines);
			this.#extensions = true;
			this.#connStreamId = on?.stream ?? null;
			if (this.#lastSeq === null && on) {
				this.#lastSeq = on.newest;
				this.#streamId = this.#connStreamId;
			}
			return true;
		} catch (error: unknown) {
			if (!(error instanceof DaemonError)) throw error;
			this.#extensions = false; // a daemon without events.seq (1.1) has no stream extensions
			return false;
		}
	}

	/** Narrows the daemon's delivery to the union of the streams' patterns. */
	async #syncSubscriptions(conn: Connection): Promise<void> {
		const queues = [...this.#queues];
		const wanted = queues.some(q => q.patterns === null)
			? null
			: [...new Set(queues.flatMap(q => (q.patterns ?? []).map(p => p.source)))].sort();
		const key = wanted === null ? null : wanted.join('\t');
		if (key === this.#subscribed) return;
		this.#subscribed = key;
		// `events.unsubscribe` alone clears the set; both lines are sent before either is answered.
		const done =
			wanted === null
				? [conn.request(['events.subscribe', '*'])]
				: [conn.request(['events.unsubscribe']), conn.request(['events.subscribe', ...wanted])];
		await Promise.allSettled(done);
	}

	/** After a lost connection or an overflow: replay what was missed, or resync from a statedump. */
	async #catchUp(conn: Connection, reason: 'reconnect' | 'overflow'): Promise<void> {
		if (this.#lastSeq !== null && (await this.#sequenced(conn))) {
			try {
				const stream = this.#streamId === null ? [] : [this.#streamId];
				const reply = await conn.request(['events.resume', String(this.#lastSeq), ...stream]);
				const lines = reply.lines.map(classifyLine);
				if (!lines.some(l => isGapLine(l.body))) {
					for (const l of lines) {
						const live = parseLiveLine(l.body);
						if (l.seq !== null) this.#deliver(l, 'replay');
						else if (live !== null && live > (this.#lastSeq ?? -1)) this.#lastSeq = live;
					}
					this.#streamId = this.#connStreamId;
					return;
				}
			} catch (error: unknown) {
				if (!(error instanceof DaemonError)) throw error;
			}
			return this.#resync([...this.#queues], 'gap', conn);
		}
		return this.#resync([...this.#queues], reason, conn);
	}

	async #resync(queues: EventQueue[], reason: ResyncItem['reason'], conn?: Connection): Promise<void> {
		const { snapshot } = conn ? parseDump((await conn.request(['statedump'])).lines) : await this.statedump();
		if (snapshot.seq !== null) {
			this.#lastSeq = snapshot.seq;
			this.#streamId = this.#connStreamId;
		}
		for (const q of queues) q.push({ kind: 'resync', reason, snapshot });
	}

	#onEvent(incoming: IncomingLine): void {
		if (this.#queues.size === 0) return;
		if (this.#holding > 0) this.#held.push(incoming);
		else this.#deliver(incoming, 'live');
	}

	#release(): void {
		for (const incoming of this.#held.splice(0)) this.#deliver(incoming, 'live');
	}

	#deliver(incoming: IncomingLine, source: 'live' | 'replay'): void {
		if (incoming.seq !== null) {
			if (this.#lastSeq !== null && incoming.seq <= this.#lastSeq) return;
			this.#lastSeq = incoming.seq;
		}
		if (incoming.body === 'overflow') {
			const conn = this.#conn;
			if (conn) {
				this.#holding++;
				void this.#catchUp(conn, 'overflow')
					.catch(() => {})
					.finally(() => {
						if (--this.#holding === 0) this.#release();
					});
			}
			return;
		}
		const item = eventItem(incoming.body, incoming.seq, source);
		for (const q of this.#queues) q.push(item);
	}
}
