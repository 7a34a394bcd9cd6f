// The events of one `client.events(patterns)` call as an async iterator: a queue the client
// pushes into, filtered by subscription patterns on this side too, so the result is
// right whether or not the daemon filtered. Invariants: items come out in the order pushed;
// the buffer is bounded (MAX_BUFFERED_ITEMS), past which the queue asks for a resync instead.
// Must never block the connection: push() never waits for the consumer.

import { eventSubject, eventTopic, parseEvent, type DaemonEvent } from '../protocol/events.js';
import { compilePattern, matchesAny, type Pattern } from '../protocol/patterns.js';
import type { Snapshot } from './snapshot.js';

export const MAX_BUFFERED_ITEMS = 10_000;

/** Where an event came from: live delivery, a replay after `events.resume`. */
export type EventSource = 'live' | 'replay';

export interface EventItem {
	readonly kind: 'event';
	/** The subscription topic (`service.state`, `fd.state`, `signal`, `audit`, …). */
	readonly topic: string;
	/** The name patterns match (service, handle or signal name), if the event has one. */
	readonly subject: string | undefined;
	/** The event line without tag or sequence prefix. */
	readonly line: string;
	/** The typed event, or null for a line the codec does not know (e.g. `audit`). */
	readonly event: DaemonEvent | null;
	/** The daemon-wide sequence number (`@SEQ`), when the stream has them. */
	readonly seq: number | null;
	readonly source: EventSource;
}

/** Events may have been lost (overflow, a gap after reconnecting): here is the whole state instead. */
export interface ResyncItem {
	readonly kind: 'resync';
	readonly reason: 'overflow' | 'gap' | 'reconnect';
	readonly snapshot: Snapshot;
}

export type StreamItem = EventItem | ResyncItem;

/** An EventItem from an event line (without prefixes). */
export function eventItem(line: string, seq: number | null, source: EventSource): EventItem {
	const event = parseEvent(line);
	if (event) return { kind: 'event', topic: eventTopic(event), subject: eventSubject(event), line, event, seq, source };
	const fields = line.split('\t');
	return { kind: 'event', topic: fields[0] ?? '', subject: fields[1], line, event: null, seq, source };
}

/** Compiles patterns; throws RangeError naming the first invalid one. */
export function compilePatterns(sources: readonly string[]): Pattern[] {
	return sources.map(source => {
		const p = compilePattern(source);
		if (p === null)
			throw new RangeError(`invalid event pattern ${JSON.stringify(source)} (TOPIC or TOPIC:NAME, with * globs)`);
		return p;
	});
}

export interface EventQueueHooks {
	/** The consumer fell too far behind: the queue was emptied, please push a resync. */
	readonly onLost: (queue: EventQueue) => void;
	/** The iterator is finished (return(), abort, end()); stop pushing. */
	readonly onDone: (queue: EventQueue) => void;
}

type Waiter = { resolve(r: IteratorResult<StreamItem>): void; reject(e: unknown): void };

export class EventQueue implements AsyncIterableIterator<StreamItem> {
	/** null: every event. */
	readonly patterns: readonly Pattern[] | null;
	readonly #hooks: EventQueueHooks;
	readonly #items: StreamItem[] = [];
	/** Callers of next() waiting for an item, oldest first (next() may be called again before it settles). */
	readonly #waiters: Waiter[] = [];
	#done = false;
	#error: unknown = null;
	#lost = false;

	constructor(patterns: readonly Pattern[] | null, hooks: EventQueueHooks, signal?: AbortSignal | undefined) {
		this.patterns = patterns;
		this.#hooks = hooks;
		if (signal?.aborted) this.fail(signal.reason);
		else signal?.addEventListener('abort', () => this.fail(signal.reason), { once: true });
	}

	get done(): boolean {
		return this.#done;
	}

	wants(item: EventItem): boolean {
		return this.patterns === null || matchesAny(this.patterns, item.topic, item.subject);
	}

	push(item: StreamItem): void {
		if (this.#done || (item.kind === 'event' && (this.#lost || !this.wants(item)))) return;
		if (item.kind === 'resync') this.#lost = false;
		const w = this.#waiters.shift();
		if (w) {
			w.resolve({ value: item, done: false });
			return;
		}
		if (this.#items.length >= MAX_BUFFERED_ITEMS) {
			this.#items.length = 0;
			this.#lost = true;
			this.#hooks.onLost(this);
			return;
		}
		this.#items.push(item);
	}

	/** Ends the iteration with an error (after the items already buffered). */
	fail(error: unknown): void {
		if (this.#done) return;
		this.#error = error;
		this.#finish();
	}

	/** Ends the iteration normally (after the items already buffered). */
	end(): void {
		this.#finish();
	}

	next(): Promise<IteratorResult<StreamItem>> {
		const item = this.#items.shift();
		if (item) return Promise.resolve({ value: item, done: false });
		if (this.#done) {
			const error = this.#error;
			this.#error = null;
			return error === null ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(error);
		}
		return new Promise((resolve, reject) => {
			this.#waiters.push({ resolve, reject });
		});
	}

	return(): Promise<IteratorResult<StreamItem>> {
		this.#items.length = 0;
		this.#error = null;
		this.#finish();
		return Promise.resolve({ value: undefined, done: true });
	}

	[Symbol.asyncIterator](): this {
		return this;
	}

	#finish(): void {
		if (this.#done) return;
		this.#done = true;
		this.#hooks.onDone(this);
		const waiters = this.#waiters.splice(0);
		if (waiters.length === 0) return;
		const error = this.#error;
		this.#error = null;
		for (const w of waiters) {
			if (error === null) w.resolve({ value: undefined, done: true });
			else w.reject(error);
		}
	}
}
