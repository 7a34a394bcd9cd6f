// The automatic-restart policy of one service as pure arithmetic (daemonproxy(8), service.backoff
// and service.restart_limit): how long to wait after a run, and whether the service has failed.
// Owns no timers and no records; times are monotonic milliseconds. Never throws.

/** service.backoff: the delay doubles after each run shorter than reset, up to max. */
export interface Backoff {
	readonly maxMs: number;
	readonly resetMs: number;
}

/** service.restart_limit: at most count automatic restarts within window. */
export interface RestartLimit {
	readonly count: number;
	readonly windowMs: number;
}

/** What the policy remembers between runs. */
export interface RestartHistory {
	/** The last backoff delay; 0 after a reset (or without backoff). */
	readonly delayMs: number;
	/** When the automatic restarts inside the limit's window were decided, oldest first. */
	readonly recent: readonly number[];
}

export const FRESH_HISTORY: RestartHistory = { delayMs: 0, recent: [] };

export type RestartDecision =
	| { readonly kind: 'restart'; readonly at: number; readonly history: RestartHistory }
	| { readonly kind: 'failed'; readonly history: RestartHistory };

/**
 * After a run of `ranMs` that ended at `now`. `baseMs` is the effective auto_up interval: without
 * backoff a run shorter than it waits one base delay, a longer one restarts at once (spec §9.5,
 * with 1.1's interval-0 accident fixed). With backoff each short run doubles the previous delay
 * (the first is the base) up to max; a run of at least reset starts over.
 */
export function decideRestart(
	backoff: Backoff | null,
	limit: RestartLimit | null,
	baseMs: number,
	history: RestartHistory,
	ranMs: number,
	now: number,
): RestartDecision {
	const recent = limit === null ? [] : history.recent.filter(at => at > now - limit.windowMs);
	if (limit !== null && recent.length >= limit.count) return { kind: 'failed', history: { ...history, recent } };
	let delayMs = ranMs < baseMs ? baseMs : 0;
	let kept = 0;
	if (backoff !== null && ranMs < backoff.resetMs) {
		delayMs = history.delayMs === 0 ? baseMs : Math.max(baseMs, Math.min(history.delayMs * 2, backoff.maxMs));
		kept = delayMs;
	}
	return {
		kind: 'restart',
		at: now + delayMs,
		history: { delayMs: kept, recent: limit === null ? [] : [...recent, now] },
	};
}
