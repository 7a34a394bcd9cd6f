// Owns subscription patterns: `TOPIC` or `TOPIC:NAME`, each part a glob where `*`
// matches any run of bytes (including none). e.g. `service.state:nginx*`, `signal`, `*`.
// Invariant: matching is a left-to-right scan of literal segments, never a regex, so its cost
// is bounded by pattern × subject length whatever the input. Must never throw on user input.

/** A compiled glob: its literal segments between `*`s; one segment means no `*` at all. */
export type Glob = readonly string[];

export interface Pattern {
	readonly source: string;
	readonly topic: Glob;
	/** null when the pattern has no `:NAME` part, i.e. it matches every subject. */
	readonly name: Glob | null;
}

/** Longer patterns are rejected: names are at most 31 bytes, topics are short. */
export const MAX_PATTERN_BYTES = 128;

const PART_RE = /^[A-Za-z0-9._*-]+$/;

function compileGlob(part: string): Glob | null {
	return PART_RE.test(part) ? part.split('*') : null;
}

/**
 * `TOPIC` or `TOPIC:NAME` (split at the first ':'); both parts non-empty, made of
 * [A-Za-z0-9._-] and `*`. Returns null for anything else.
 */
export function compilePattern(p: string): Pattern | null {
	if (p.length === 0 || p.length > MAX_PATTERN_BYTES) {
		return null;
	}
	const colon = p.indexOf(':');
	const topic = compileGlob(colon < 0 ? p : p.slice(0, colon));
	if (topic === null) {
		return null;
	}
	if (colon < 0) {
		return { source: p, topic, name: null };
	}
	const name = compileGlob(p.slice(colon + 1));
	return name === null ? null : { source: p, topic, name };
}

/**
 * Greedy segment matching: the first segment must be a prefix, the last a suffix, and each
 * middle one is taken at its leftmost occurrence after the previous one. For `*`-only globs
 * the leftmost choice is always safe, so there is no backtracking.
 */
export function globMatch(glob: Glob, s: string): boolean {
	const n = glob.length;
	const first = glob[0] ?? '';
	if (n === 1) {
		return s === first;
	}
	const last = glob[n - 1] ?? '';
	if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) {
		return false;
	}
	let pos = first.length;
	const limit = s.length - last.length;
	for (let i = 1; i < n - 1; i++) {
		const seg = glob[i] ?? '';
		if (seg.length === 0) {
			continue;
		}
		const at = s.indexOf(seg, pos);
		if (at < 0 || at + seg.length > limit) {
			return false;
		}
		pos = at + seg.length;
	}
	return true;
}

/** Whether an event of `topic` about `subject` matches; a `:NAME` part needs a subject. */
export function matches(p: Pattern, topic: string, subject: string | undefined): boolean {
	if (!globMatch(p.topic, topic)) {
		return false;
	}
	return p.name === null || (subject !== undefined && globMatch(p.name, subject));
}

/** Whether any of the patterns matches (a subscription set). */
export function matchesAny(ps: readonly Pattern[], topic: string, subject: string | undefined): boolean {
	for (const p of ps) {
		if (matches(p, topic, subject)) {
			return true;
		}
	}
	return false;
}
