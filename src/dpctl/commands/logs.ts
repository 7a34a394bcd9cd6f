// `dpctl logs NAME… [-n N] [-f] [--since DURATION]`: the captured output of services (dpctl(1),
// LOGS): the last lines of each, merged in time order, then with -f new lines as they come,
// across restarts of the services and reconnects to the daemon (resumed by line number, so no
// line is printed twice). Text on a terminal (control bytes escaped), the same bytes when
// piped, or one JSON object per line. Ends at --timeout (exit 0 with -f) or on a lost connection
// without -f (111).

import type { Connection } from '../../client/connection.js';
import { ConnectionError, DaemonError } from '../../client/errors.js';
import { parseOutputGap, parseOutputLine, parseOutputMark, type OutputLine } from '../../protocol/output-lines.js';
import { EXIT, usageError } from '../exit-codes.js';
import type { CliArgs, DpctlCommand } from '../options.js';
import { displayWire, wireFromArg } from '../output.js';
import { printLine } from '../output-line-view.js';
import { deadline, openConnection, stderr, stdout } from '../session.js';

const DEFAULT_LINES = 10;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;
/** How often -f asks again for a service the daemon does not know (after a reconnect). */
const UNKNOWN_RETRY_MS = 500;
const UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90`, `90s`, `5m`, `2h`, `1d`, `250ms` → milliseconds; null when it is none of those. */
export function parseDuration(text: string): number | null {
	const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)?$/.exec(text);
	return m ? Number(m[1]) * (UNITS_MS[m[2] ?? 's'] ?? 1000) : null;
}

/** Where a follow stands for one service: the newest line printed, in which run of the daemon. */
interface Cursor {
	seq: number;
	streamId: string;
}

class Follower {
	readonly #names: readonly string[];
	readonly #print: (line: OutputLine) => void;
	readonly cursors = new Map<string, Cursor>();
	/** Live lines that arrived while a catch-up was pending; released after it, in order. */
	#held: OutputLine[] | null = null;
	#resume: (() => void) | null = null;

	constructor(names: readonly string[], print: (line: OutputLine) => void) {
		this.#names = names;
		this.#print = print;
	}

	/** A line that arrived outside any request: a live output line, or `overflow`. */
	live(body: string, conn: Connection): void {
		if (body === 'overflow') {
			void this.catchUp(conn).catch(() => conn.destroy());
			return;
		}
		const line = parseOutputLine(body);
		if (!line) return;
		if (this.#held) this.#held.push(line);
		else this.#take(line);
	}

	/** Follow every name from its cursor (from now when there is none); catch up with what was missed. */
	async catchUp(conn: Connection): Promise<void> {
		const outer = this.#held === null;
		this.#held ??= [];
		try {
			let pending = this.#names;
			// A daemon that came back may not know a service yet (its config is still being read).
			while (pending.length > 0) {
				const replies = await Promise.allSettled(
					pending.map(name => {
						const at = this.cursors.get(name);
						return conn.request(['output.follow', name, ...(at ? [String(at.seq), at.streamId] : [])]);
					}),
				);
				const failed: string[] = [];
				replies.forEach((reply, i) => {
					const name = pending[i] ?? '';
					if (reply.status === 'fulfilled') this.#applyCatchUp(name, reply.value.lines);
					else if (reply.reason instanceof DaemonError) failed.push(name);
					else throw reply.reason;
				});
				pending = failed;
				if (failed.length > 0) await new Promise(resolve => setTimeout(resolve, UNKNOWN_RETRY_MS));
			}
		} finally {
			if (outer) {
				const held = this.#held ?? [];
				this.#held = null;
				for (const line of held) this.#take(line);
			}
		}
	}

	#applyCatchUp(name: string, lines: readonly string[]): void {
		const mark = lines.map(parseOutputMark).find(m => m !== null && m.kind === 'live');
		const at = this.cursors.get(name);
		// Another run of the daemon: its numbers start again, and what it retained is all new to us.
		if (mark && at && mark.streamId !== at.streamId) {
			stderr().text(`dpctl: ${displayWire(name)}: the daemon was restarted; output from before is gone`);
			this.cursors.set(name, { seq: 0, streamId: mark.streamId });
		}
		for (const wire of lines) {
			const gap = parseOutputGap(wire);
			if (gap) stderr().text(`dpctl: ${displayWire(name)}: ${gap.oldest - gap.after - 1} lines were not retained`);
			const line = parseOutputLine(wire);
			if (line) this.#take(line);
		}
		if (mark) {
			const cursor = this.cursors.get(name);
			this.cursors.set(name, { seq: Math.max(cursor?.seq ?? 0, mark.newest), streamId: mark.streamId });
		}
	}

	#take(line: OutputLine): void {
		const at = this.cursors.get(line.service);
		if (at && line.seq <= at.seq) return;
		if (at) at.seq = line.seq;
		this.#print(line);
	}

	/** Waits until the connection is gone. */
	closed(): Promise<void> {
		return new Promise(resolve => (this.#resume = resolve));
	}

	connectionClosed(): void {
		this.#resume?.();
		this.#resume = null;
	}
}

/** The last lines of each service, merged by time, the newest `count` overall, since `sinceMs`. */
async function tail(conn: Connection, names: readonly string[], count: number | null, sinceMs: number | null) {
	const replies = await Promise.all(
		names.map(name => conn.request(['output.tail', name, count === null ? '-' : String(count)])),
	);
	const marks = new Map<string, Cursor>();
	const lines: OutputLine[] = [];
	replies.forEach((reply, i) => {
		for (const wire of reply.lines) {
			const line = parseOutputLine(wire);
			if (line && (sinceMs === null || line.timeMs >= sinceMs)) lines.push(line);
			const mark = parseOutputMark(wire);
			if (mark) marks.set(names[i] ?? '', { seq: mark.newest, streamId: mark.streamId });
		}
	});
	lines.sort((a, b) => a.timeMs - b.timeMs);
	return { lines: count === null ? lines : lines.slice(Math.max(0, lines.length - count)), marks };
}

/** `promise`, or the signal's reason when it aborts first. */
function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
	if (!signal) return promise;
	return new Promise((resolve, reject) => {
		const abort = (): void => reject(signal.reason);
		if (signal.aborted) return abort();
		signal.addEventListener('abort', abort, { once: true });
		void promise.then(() => {
			signal.removeEventListener('abort', abort);
			resolve();
		});
	});
}

function options(args: CliArgs) {
	const names = (Array.isArray(args['names']) ? args['names'] : []).map(n => wireFromArg(String(n)));
	if (names.length === 0) throw usageError('logs: name at least one service');
	const n = args['lines'];
	if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 0))
		throw usageError('-n must be a whole number of lines, 0 or more');
	const since = args['since'];
	let sinceMs: number | null = null;
	if (since !== undefined) {
		const ms = parseDuration(String(since));
		if (ms === null)
			throw usageError(`--since expects a duration such as 90s, 5m, 2h or 1d, not ${JSON.stringify(since)}`);
		sinceMs = Date.now() - ms;
	}
	const count = typeof n === 'number' ? n : sinceMs === null ? DEFAULT_LINES : null;
	return { names, count, sinceMs, follow: args['follow'] === true, json: args.json === true };
}

export const logsCommand: DpctlCommand = {
	command: 'logs <names..>',
	describe: 'print the captured output of services; -f follows it',
	builder: {
		lines: {
			type: 'number',
			alias: 'n',
			requiresArg: true,
			describe: 'the last N lines (default 10)',
			defaultDescription: 'N',
		},
		follow: { type: 'boolean', alias: 'f', describe: 'keep printing new lines, across restarts and reconnects' },
		since: {
			type: 'string',
			requiresArg: true,
			describe: 'only lines of the last DURATION (90s, 5m, 2h, 1d)',
			defaultDescription: 'DURATION',
		},
	},
	async handler(args) {
		const { names, count, sinceMs, follow, json } = options(args);
		const limit = deadline(args, follow ? null : 10);
		const out = stdout();
		const print = (line: OutputLine): void => printLine(out, line, json, names.length > 1);
		const follower = new Follower(names, print);
		const open = () =>
			openConnection(args, limit.signal, {
				onEvent: incoming => follower.live(incoming.body, conn),
				onClose: () => follower.connectionClosed(),
			});
		let conn = await open();
		try {
			const first = await tail(conn, names, count, sinceMs);
			for (const line of first.lines) print(line);
			if (!follow) return EXIT.ok;
			for (const [name, mark] of first.marks) follower.cursors.set(name, mark);
			let delayMs = RETRY_MIN_MS;
			for (;;) {
				const gone = follower.closed();
				try {
					// A new connection gets every event (1.1): this one wants output lines only.
					await conn.request(['events.unsubscribe']);
					await follower.catchUp(conn);
				} catch (error: unknown) {
					if (!(error instanceof ConnectionError)) throw error;
				}
				delayMs = RETRY_MIN_MS;
				await untilAborted(gone, limit.signal);
				// Reconnect until the daemon answers again (or --timeout ends the follow).
				for (;;) {
					await new Promise(resolve => setTimeout(resolve, delayMs));
					limit.signal?.throwIfAborted();
					try {
						conn = await open();
						break;
					} catch (error: unknown) {
						if (!(error instanceof ConnectionError)) throw error;
						delayMs = Math.min(delayMs * 2, RETRY_MAX_MS);
					}
				}
			}
		} catch (error: unknown) {
			if (follow && error instanceof Error && error.name === 'TimeoutError') return EXIT.ok;
			throw error;
		} finally {
			conn.destroy();
		}
	},
};
