// Owns the lines of the resumable event stream (daemonproxy(8), events.seq, events.resume, The
// statedump): the `@SEQ` prefix of a numbered event, the `events.seq` replies, `events.live`,
// `events.gap` and `statedump.end`. One formatter (for the daemon) and one parser (for clients)
// per line. Invariants: a formatter returns one line without LF; a parser never throws and
// answers null for anything that is not its line. Must never import anything outside src/protocol.

/** Decimal field of a sequence number: at most 15 digits (a safe integer; 10^15 events is ample). */
const SEQ_FIELD_RE = /^[0-9]{1,15}$/;

function seqField(field: string | undefined): number | null {
	return field !== undefined && SEQ_FIELD_RE.test(field) ? Number(field) : null;
}

// ---- `@SEQ` prefix -------------------------------------------------------------------------

/** `@SEQ\t<line>`: an event as sent to a connection with sequence numbers on. */
export function sequencedLine(seq: number, line: string): string {
	return `@${seq}\t${line}`;
}

export interface SequencedLine {
	readonly seq: number;
	/** The line after the `@SEQ` field and its TAB ('' for a lone `@SEQ`). */
	readonly rest: string;
}

const SEQUENCED_RE = /^@([0-9]{1,15})(?:\t|$)/;

/** Splits `@SEQ\t<line>`; null when the first field is not `@` and digits. */
export function parseSequencedLine(line: string): SequencedLine | null {
	const m = SEQUENCED_RE.exec(line);
	return m ? { seq: Number(m[1]), rest: line.slice(m[0].length) } : null;
}

// ---- `events.seq` replies ------------------------------------------------------------------

/** Reply of `events.seq on`: the newest number so far (later events are greater) and the stream id. */
export function seqOnLine(newest: number, stream: string): string {
	return `events.seq\ton\t${newest}\t${stream}`;
}

/** Reply of `events.seq off`. */
export const SEQ_OFF_LINE = 'events.seq\toff';

export type SeqReply =
	{ readonly mode: 'on'; readonly newest: number; readonly stream: string | null } | { readonly mode: 'off' };

/**
 * Either reply of `events.seq`. A missing or empty stream id reads as null, and fields after it
 * are ignored, so a client still reads the reply of a daemon that adds some.
 */
export function parseSeqReply(line: string): SeqReply | null {
	if (line === SEQ_OFF_LINE) return { mode: 'off' };
	const f = line.split('\t');
	if (f[0] !== 'events.seq' || f[1] !== 'on') return null;
	const newest = seqField(f[2]);
	return newest === null ? null : { mode: 'on', newest, stream: f[3] ? f[3] : null };
}

// ---- `events.live` -------------------------------------------------------------------------

/** End of a replay: live events continue after NEWEST. */
export function liveLine(newest: number): string {
	return `events.live\t${newest}`;
}

const LIVE_RE = /^events\.live\t([0-9]{1,15})$/;

/** The NEWEST of `events.live\tNEWEST`, or null. */
export function parseLiveLine(line: string): number | null {
	const m = LIVE_RE.exec(line);
	return m ? Number(m[1]) : null;
}

// ---- `events.gap` --------------------------------------------------------------------------

/** `events.resume` could not replay: events from OLDEST on are retained, NEWEST is the last one. */
export function gapLine(oldest: number, newest: number): string {
	return `events.gap\t${oldest}\t${newest}`;
}

export interface Gap {
	readonly oldest: number;
	readonly newest: number;
}

/** The numbers of `events.gap\tOLDEST\tNEWEST`, or null. */
export function parseGapLine(line: string): Gap | null {
	const f = line.split('\t');
	if (f[0] !== 'events.gap' || f.length !== 3) return null;
	const oldest = seqField(f[1]);
	const newest = seqField(f[2]);
	return oldest === null || newest === null ? null : { oldest, newest };
}

/**
 * Whether the first field is `events.gap`, whatever follows: the resume replayed nothing, and a
 * client must start again from a statedump even when it cannot read the numbers.
 */
export function isGapLine(line: string): boolean {
	return line === 'events.gap' || line.startsWith('events.gap\t');
}

// ---- `statedump.end` -----------------------------------------------------------------------

/** With sequence numbers on, the last line of a statedump: the dump reflects every event up to SEQ. */
export function statedumpEndLine(seq: number): string {
	return `statedump.end\t${seq}`;
}

const DUMP_END_RE = /^statedump[A-Za-z0-9._-]*(?:\t|$)/;
const DUMP_SEQ_FIELD_RE = /^@?([0-9]{1,15})$/;

/**
 * The SEQ of a statedump's terminator, from a line with its `@SEQ` prefix already split off
 * (`body`, and `seq` or null). Reads `statedump.end\tSEQ`, and as well any `statedump…` line with
 * the number in a later field (`@` optional) or in its `@SEQ` prefix: the client library has read
 * those shapes since before the terminator's shape was fixed, and keeps reading them.
 */
export function parseStatedumpEnd(body: string, seq: number | null = null): number | null {
	if (!DUMP_END_RE.test(body)) return null;
	const fields = body.split('\t').slice(1);
	for (let i = fields.length - 1; i >= 0; i--) {
		const m = DUMP_SEQ_FIELD_RE.exec(fields[i] ?? '');
		if (m) return Number(m[1]);
	}
	return seq;
}
