// One control connection: framing, and requests matched to their replies either by request tag
// (`:TAG\tCMD`, one terminal `:TAG\tok` or `:TAG\terror\tMSG`) or, for a daemon that does not
// know tags (1.1), by an echo barrier (`CMD` then `echo\tTOKEN`).
// Invariants: every request settles exactly once (reply, daemon error, abort or lost connection);
// lines that belong to no request are events. Must never write a line with a control byte in a
// field, nor send a second request before `auto` mode knows whether the daemon understands tags.

import type { Duplex } from 'node:stream';
import { LineSplitter } from '../protocol/line-splitter.js';
import { EVENT_TOPICS } from '../protocol/topics.js';
import { parseTerminal, parseUnknownTagReply } from '../protocol/request-tag.js';
import { ConnectionError, DaemonError } from './errors.js';
import {
	classifyLine,
	commandLine,
	errorText,
	isErrorContinuation,
	tagOverhead,
	leadingReplies,
	taggedLine,
	type IncomingLine,
} from './wire.js';

/** `auto`: try a tag, fall back to echo barriers if the daemon says `Unknown command: :TAG`. */
export type RequestMode = 'auto' | 'tagged' | 'echo';
export type Encoding = 'utf8' | 'latin1';

/** Daemon output lines are at most ~1 KiB; anything far longer is not ours to keep. */
const MAX_INCOMING_LINE_BYTES = 64 * 1024;
const BARRIER = '--dp-barrier--';

export interface ConnectionOptions {
	/** The address as the user gave it, for messages. */
	readonly address: string;
	readonly mode?: RequestMode;
	/** How fields are encoded on the wire; `latin1` passes every byte through (dpctl). */
	readonly encoding?: Encoding;
	/** A line that belongs to no request (an event; with echo barriers, also events seen inside a reply). */
	readonly onEvent?: (line: IncomingLine) => void;
	/** Once, when the connection is gone (after every pending request has settled). */
	readonly onClose?: (error: ConnectionError) => void;
}

export interface RequestOptions {
	readonly signal?: AbortSignal | undefined;
	/** The command ends the connection on success (`exit`, `terminate`): EOF settles it as done. */
	readonly closeIsSuccess?: boolean;
}

export interface Reply {
	/** What the command sent its issuer, in order, tags removed (`@SEQ` prefixes kept). */
	readonly lines: readonly string[];
}

interface Pending {
	readonly line: string;
	readonly verb: string;
	readonly options: RequestOptions;
	readonly lines: string[];
	/** Lines taken as replies even when they look like a terminal line (wire.leadingReplies). */
	readonly leadingReplies: number;
	tag: string | null;
	token: string | null;
	error: string | null;
	settled: boolean;
	resolve(reply: Reply): void;
	reject(error: unknown): void;
	cleanup(): void;
}

/** With echo barriers, a line in a reply window that starts with an event topic is also passed on as an event. */
const EVENT_TOPIC_SET: ReadonlySet<string> = new Set(EVENT_TOPICS);

/** Verbs whose output is a reply even when it looks like an event (so it is never forwarded). */
export const REPLY_ONLY_VERBS: ReadonlySet<string> = new Set(['statedump', 'echo', 'events.resume']);

let nextBarrier = 0;

export class Connection {
	readonly address: string;
	readonly encoding: Encoding;
	readonly #stream: Duplex;
	readonly #options: ConnectionOptions;
	readonly #splitter = new LineSplitter(MAX_INCOMING_LINE_BYTES);
	#mode: 'unknown' | 'tagged' | 'echo';
	#probe: Pending | null = null;
	/** Waiting for `auto` mode to decide. */
	readonly #queued: Pending[] = [];
	readonly #byTag = new Map<string, Pending>();
	/** Echo-barrier requests in the order sent: lines belong to the first one. */
	readonly #barriers: Pending[] = [];
	#nextTag = 0;
	#closed: ConnectionError | null = null;
	#refusal: string | null = null;

	constructor(stream: Duplex, options: ConnectionOptions) {
		this.#stream = stream;
		this.#options = options;
		this.address = options.address;
		this.encoding = options.encoding ?? 'utf8';
		this.#mode = options.mode === 'tagged' ? 'tagged' : options.mode === 'echo' ? 'echo' : 'unknown';
		stream.on('data', (chunk: Buffer) => this.#onData(chunk));
		stream.on('end', () => this.#onClose(null));
		stream.on('close', () => this.#onClose(null));
		stream.on('error', (error: NodeJS.ErrnoException) => this.#onClose(error));
	}

	/** `unknown` until the first reply of an `auto` connection. */
	get mode(): 'unknown' | 'tagged' | 'echo' {
		return this.#mode;
	}

	get closed(): boolean {
		return this.#closed !== null;
	}

	/** Sends one command (fields joined by TAB) and resolves with its output; rejects with DaemonError. */
	request(fields: readonly string[], options: RequestOptions = {}): Promise<Reply> {
		const line = commandLine(fields, this.encoding, this.#mode === 'echo' ? 0 : tagOverhead(`c${this.#nextTag + 1}`));
		return new Promise<Reply>((resolve, reject) => {
			const { signal } = options;
			if (signal?.aborted) return reject(signal.reason);
			if (this.#closed) return reject(this.#closed);
			const onAbort = (): void => this.#settle(pending, signal?.reason, null);
			const pending: Pending = {
				line,
				verb: fields[0] ?? '',
				options,
				lines: [],
				leadingReplies: leadingReplies(fields),
				tag: null,
				token: null,
				error: null,
				settled: false,
				resolve,
				reject,
				cleanup: () => signal?.removeEventListener('abort', onAbort),
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			if (this.#mode === 'tagged') this.#sendTagged(pending);
			else if (this.#mode === 'echo') this.#sendBarrier(pending);
			else if (this.#probe === null) {
				this.#probe = pending;
				this.#sendTagged(pending);
			} else this.#queued.push(pending);
		});
	}

	/** Half-closes; pending requests still get their replies. */
	end(): void {
		this.#stream.end();
	}

	destroy(): void {
		this.#stream.destroy();
	}

	#write(line: string): void {
		this.#stream.write(Buffer.from(`${line}\n`, this.encoding));
	}

	#sendTagged(p: Pending): void {
		p.tag = `c${++this.#nextTag}`;
		this.#byTag.set(p.tag, p);
		this.#write(taggedLine(p.tag, p.line));
	}

	#sendBarrier(p: Pending): void {
		p.token = `${BARRIER}\t${process.pid}.${++nextBarrier}`;
		this.#barriers.push(p);
		this.#write(p.line);
		this.#write(`echo\t${p.token}`);
	}

	#onData(chunk: Buffer): void {
		for (const item of this.#splitter.push(chunk)) {
			if (item.kind !== 'line') continue;
			this.#onLine(this.encoding === 'latin1' ? item.line : Buffer.from(item.line, 'latin1').toString('utf8'));
		}
	}

	#onLine(line: string): void {
		if (this.#mode === 'echo') return this.#onBarrierLine(line);
		const incoming = classifyLine(line);
		if (incoming.tag === null) {
			// A daemon without request tags (1.1) answers a tagged line `error\tUnknown command: :TAG`:
			// the probe in `auto` mode, any request in `tagged` mode.
			const unknownTag = parseUnknownTagReply(line);
			const probe = this.#probe;
			if (probe?.tag != null && unknownTag === probe.tag) return this.#fallBackToBarriers(probe);
			const p = unknownTag === null ? undefined : this.#byTag.get(unknownTag);
			if (p)
				return this.#settle(
					p,
					new DaemonError(p.line, `${errorText(line) ?? ''} (this daemon has no request tags)`),
					null,
				);
			if (errorText(line) !== null) this.#refusal = errorText(line);
			return this.#options.onEvent?.(incoming);
		}
		const p = this.#byTag.get(incoming.tag);
		if (!p) return; // an abandoned request's late lines
		if (p === this.#probe) this.#decided('tagged');
		const terminal = p.lines.length < p.leadingReplies ? null : parseTerminal(incoming.body);
		if (terminal === null) {
			p.lines.push(line.slice(incoming.tag.length + 2));
			return;
		}
		this.#byTag.delete(incoming.tag);
		if (terminal.ok) this.#settle(p, null, { lines: p.lines });
		else this.#settle(p, new DaemonError(p.line, terminal.detail, p.lines), null);
	}

	/** The daemon does not know tags: it refused the probe, so send it again untagged. */
	#fallBackToBarriers(probe: Pending): void {
		if (probe.tag !== null) this.#byTag.delete(probe.tag);
		probe.tag = null;
		this.#decided('echo');
		if (!probe.settled) this.#sendBarrier(probe);
		for (const p of this.#queued.splice(0)) if (!p.settled) this.#sendBarrier(p);
	}

	#decided(mode: 'tagged' | 'echo'): void {
		this.#probe = null;
		this.#mode = mode;
		if (mode === 'tagged') for (const p of this.#queued.splice(0)) if (!p.settled) this.#sendTagged(p);
	}

	#onBarrierLine(line: string): void {
		const p = this.#barriers[0];
		if (!p) {
			if (errorText(line) !== null) this.#refusal = errorText(line);
			return this.#options.onEvent?.(classifyLine(line));
		}
		if (line === p.token) {
			this.#barriers.shift();
			if (p.error === null) this.#settle(p, null, { lines: p.lines });
			else this.#settle(p, new DaemonError(p.line, p.error, p.lines), null);
			return;
		}
		// `echo` never fails: an `error\t…` line in its window is the text it echoed.
		const text = p.verb === 'echo' ? null : errorText(line);
		if (text !== null && p.error === null) p.error = text;
		else if (p.error !== null && isErrorContinuation(line)) p.error += line;
		else {
			p.lines.push(line);
			// A 1.1 daemon cannot say which lines are events: forward those that look like one.
			const tab = line.indexOf('\t');
			if (!REPLY_ONLY_VERBS.has(p.verb) && EVENT_TOPIC_SET.has(tab < 0 ? line : line.slice(0, tab))) {
				this.#options.onEvent?.(classifyLine(line));
			}
		}
	}

	#settle(p: Pending, error: unknown, reply: Reply | null): void {
		if (p.settled) return;
		p.settled = true;
		p.cleanup();
		const queued = this.#queued.indexOf(p);
		if (queued >= 0) this.#queued.splice(queued, 1);
		if (p.tag !== null && error !== null && p !== this.#probe) this.#byTag.delete(p.tag);
		if (reply) p.resolve(reply);
		else p.reject(error);
	}

	#onClose(error: NodeJS.ErrnoException | null): void {
		if (this.#closed) return;
		const refusal = this.#refusal;
		const code = error?.code ?? (refusal === null ? 'ECLOSED' : 'EREFUSED');
		const why =
			refusal !== null
				? `daemonproxy closed the connection: ${refusal}`
				: error
					? `lost connection to ${this.address}: ${error.code ?? error.message}`
					: `lost connection to ${this.address}`;
		this.#closed = new ConnectionError(code, this.address, why, error ? { cause: error } : undefined);
		const all = [...this.#barriers, ...this.#byTag.values(), ...this.#queued];
		if (this.#probe) all.push(this.#probe);
		for (const p of all) {
			if (p.error !== null) this.#settle(p, new DaemonError(p.line, p.error, p.lines), null);
			else if (p.options.closeIsSuccess) this.#settle(p, null, { lines: p.lines });
			else this.#settle(p, this.#closed, null);
		}
		this.#barriers.length = 0;
		this.#byTag.clear();
		this.#queued.length = 0;
		this.#probe = null;
		this.#stream.destroy();
		this.#options.onClose?.(this.#closed);
	}
}
