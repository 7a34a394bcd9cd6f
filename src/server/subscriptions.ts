// Owns one connection's event subscriptions: a set of patterns (protocol/patterns.ts),
// `*` for a new connection (the 1.1 stream). Invariants: `audit` and `service.leftover` events match only a pattern whose
// topic is literally `audit`, never a glob, so no 1.1 client ever sees one; a change is all or
// nothing. Must never allocate while matching: the fan-out calls matches() per event and connection.

import { compilePattern, globMatch, type Pattern } from '../protocol/patterns.js';

/** Patterns one connection may hold; bounds the fan-out's cost per event. */
export const MAX_PATTERNS = 64;

/**
 * Topics a glob never matches: they must be subscribed to by name. `service.status`,
 * `service.leftover`, `service.mode` and `service.killed` are extensions a 1.1 client must never see; `audit` quotes other people's
 * commands.
 */
export const EXPLICIT_TOPICS: ReadonlySet<string> = new Set([
	'audit',
	'service.status',
	'service.leftover',
	'service.mode',
	'service.killed',
]);

/** Explicit topics only admins may subscribe to. */
export const ADMIN_TOPICS: ReadonlySet<string> = new Set(['audit']);

export const invalidPattern = (pattern: string): string => `invalid pattern "${pattern}"`;
export const tooManyPatterns = (limit: number): string => `too many patterns (limit ${limit})`;

const EVERYTHING = compilePattern('*') as Pattern;

/** Whether the pattern names an explicit-only topic literally (e.g. `audit`, `audit:service.*`). */
export function namesExplicitTopic(pattern: Pattern): boolean {
	return pattern.topic.length === 1 && EXPLICIT_TOPICS.has(pattern.topic[0] ?? '');
}

/** Whether the pattern names an admin-only topic literally. */
export function namesAdminTopic(pattern: Pattern): boolean {
	return pattern.topic.length === 1 && ADMIN_TOPICS.has(pattern.topic[0] ?? '');
}

export class Subscriptions {
	#patterns: Pattern[] = [EVERYTHING];
	/** Some pattern is `*` alone: every topic but the explicit ones matches (the fast path). */
	#all = true;

	/** The patterns, as written, in the order subscribed. */
	get sources(): string[] {
		return this.#patterns.map(p => p.source);
	}

	matches(topic: string, subject: string | undefined): boolean {
		const explicit = EXPLICIT_TOPICS.has(topic);
		if (this.#all && !explicit) return true;
		for (const p of this.#patterns) {
			if (explicit && !namesExplicitTopic(p)) continue;
			if (globMatch(p.topic, topic) && (p.name === null || (subject !== undefined && globMatch(p.name, subject))))
				return true;
		}
		return false;
	}

	/** Compiles every source first; returns the patterns, or the error for the first bad one. */
	static compile(sources: readonly string[]): Pattern[] | string {
		const compiled: Pattern[] = [];
		for (const source of sources) {
			const pattern = compilePattern(source);
			if (pattern === null) return invalidPattern(source);
			compiled.push(pattern);
		}
		return compiled;
	}

	/** Adds the patterns not held yet; an error (and no change) past MAX_PATTERNS. */
	add(patterns: readonly Pattern[]): string | null {
		const next = [...this.#patterns];
		for (const pattern of patterns) {
			if (!next.some(p => p.source === pattern.source)) next.push(pattern);
		}
		if (next.length > MAX_PATTERNS) return tooManyPatterns(MAX_PATTERNS);
		this.#set(next);
		return null;
	}

	/** Removes the patterns with these exact texts; texts not held are ignored. */
	remove(sources: readonly string[]): void {
		this.#set(this.#patterns.filter(p => !sources.includes(p.source)));
	}

	clear(): void {
		this.#set([]);
	}

	#set(patterns: Pattern[]): void {
		this.#patterns = patterns;
		this.#all = patterns.some(p => p.name === null && p.topic.length === 2 && p.topic[0] === '' && p.topic[1] === '');
	}
}
