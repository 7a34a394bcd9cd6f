// The fields of a service.status line (daemonproxy(8), service.status): what each KEY=VALUE means,
// one formatter for the daemon and one reader for clients. Never throws; an unknown key is ignored
// and a malformed known one reads as its default, so an older client reads a newer daemon's lines.

/** The keys the daemon sends, in this order. */
export const STATUS_KEYS = ['ready', 'restarts', 'failed', 'lastExit', 'killed', 'status'] as const;

export interface ServiceStatusFields {
	/** null: the service has no readiness method. */
	readonly ready: boolean | null;
	/** Automatic restarts so far. */
	readonly restarts: number;
	/** The restart limit was reached: no automatic start until a start by hand. */
	readonly failed: boolean;
	/** How the last run ended, kept through a crash loop's `start` phases. */
	readonly lastExit: { readonly reason: 'exit' | 'signal'; readonly value: string } | null;
	/** The daemon stopped the current or last run: not ready in time, or a silent watchdog. */
	readonly killed: 'ready_timeout' | 'watchdog' | null;
	/** The sd_notify STATUS text; null when none. */
	readonly status: string | null;
}

/** The STATUS text as one field: control bytes become spaces, at most MAX_STATUS_BYTES. */
export const MAX_STATUS_BYTES = 200;

export function statusFields(s: ServiceStatusFields): string[] {
	return [
		`ready=${s.ready === null ? '-' : s.ready ? 'yes' : 'no'}`,
		`restarts=${s.restarts}`,
		`failed=${s.failed ? 'yes' : 'no'}`,
		`lastExit=${s.lastExit === null ? '-' : `${s.lastExit.reason}:${s.lastExit.value}`}`,
		`killed=${s.killed ?? '-'}`,
		`status=${s.status ?? ''}`,
	];
}

export function readStatusFields(fields: readonly string[]): ServiceStatusFields {
	const map = new Map<string, string>();
	for (const field of fields) {
		const eq = field.indexOf('=');
		if (eq > 0 && !map.has(field.slice(0, eq))) map.set(field.slice(0, eq), field.slice(eq + 1));
	}
	const ready = map.get('ready');
	const restarts = Number(map.get('restarts'));
	const last = /^(exit|signal):(.+)$/.exec(map.get('lastExit') ?? '');
	const killed = map.get('killed');
	const status = map.get('status');
	return {
		ready: ready === 'yes' ? true : ready === 'no' ? false : null,
		restarts: Number.isSafeInteger(restarts) && restarts >= 0 ? restarts : 0,
		failed: map.get('failed') === 'yes',
		lastExit: last ? { reason: last[1] as 'exit' | 'signal', value: last[2] ?? '' } : null,
		killed: killed === 'ready_timeout' || killed === 'watchdog' ? killed : null,
		status: status === undefined || status === '' ? null : status,
	};
}
