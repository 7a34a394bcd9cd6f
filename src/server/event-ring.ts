// Owns the resumable event stream: the daemon-wide sequence numbers of published
// events and the bounded ring of the newest ones, kept for `events.resume`.
// Invariants: every published event gets the next number (1, 2, 3, … gap-free, never reused);
// each event is encoded once per form (plain, `@SEQ`-prefixed) whoever receives it; the ring
// never holds more than its capacity. Must never block or copy events per connection.

import { sequencedLine } from '../protocol/stream-lines.js';

export const DEFAULT_EVENT_HISTORY = 4096;
export const MAX_EVENT_HISTORY = 1 << 20;

/** One published event line, with its encodings shared by every connection that receives it. */
export class PublishedEvent {
	readonly seq: number;
	readonly topic: string;
	/** What `TOPIC:NAME` patterns match; undefined when the event has no name. */
	readonly subject: string | undefined;
	/** The wire line without LF. */
	readonly line: string;
	readonly plain: Buffer;
	#sequenced: Buffer | null = null;

	constructor(seq: number, topic: string, subject: string | undefined, line: string) {
		this.seq = seq;
		this.topic = topic;
		this.subject = subject;
		this.line = line;
		this.plain = Buffer.from(`${line}\n`, 'latin1');
	}

	/** `@SEQ\t<line>` without LF, for replies (replays are command output). */
	get sequencedLine(): string {
		return sequencedLine(this.seq, this.line);
	}

	/** `@SEQ\t<line>\n`, encoded on first use only (when some connection is in seq mode). */
	get sequenced(): Buffer {
		this.#sequenced ??= Buffer.from(`${this.sequencedLine}\n`, 'latin1');
		return this.#sequenced;
	}
}

export class EventRing {
	readonly capacity: number;
	readonly #slots: Array<PublishedEvent | undefined>;
	#newest = 0;

	constructor(capacity: number = DEFAULT_EVENT_HISTORY) {
		if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`ring capacity ${capacity}`);
		this.capacity = capacity;
		this.#slots = new Array<PublishedEvent | undefined>(capacity);
	}

	/** Number of the newest event published; 0 before the first. */
	get newestSeq(): number {
		return this.#newest;
	}

	/** Number of the oldest event still retained; newestSeq + 1 when none is. */
	get oldestSeq(): number {
		return Math.max(1, this.#newest - this.capacity + 1);
	}

	/** Numbers the event and retains it, dropping the oldest one when full. */
	publish(topic: string, subject: string | undefined, line: string): PublishedEvent {
		const event = new PublishedEvent(++this.#newest, topic, subject, line);
		if (this.capacity > 0) this.#slots[event.seq % this.capacity] = event;
		return event;
	}

	/** The retained event numbered `seq`, or undefined (not yet published, or already dropped). */
	get(seq: number): PublishedEvent | undefined {
		if (!Number.isSafeInteger(seq) || seq < this.oldestSeq || seq > this.#newest) return undefined;
		return this.#slots[seq % this.capacity];
	}

	/** Whether every event after `seq` is still retained (so a resume from `seq` loses nothing). */
	canResumeAfter(seq: number): boolean {
		return Number.isSafeInteger(seq) && seq >= this.oldestSeq - 1 && seq <= this.#newest;
	}
}
