// Owns the lines of captured service output on the wire (daemonproxy(8), SERVICE OUTPUT): one
// `output` line per captured line, the `output.tail` summary, `output.gap` and `output.live` of a
// follow. One formatter (daemon) and one parser (clients) per line. Invariants: a formatter
// returns one line without LF; TEXT is already escaped (no TAB, no control byte); a parser never
// throws and answers null for anything that is not its line. Imports nothing.

export type OutputStream = 'stdout' | 'stderr';

/** One captured line: its per-service number, wall-clock time (ms since the epoch), stream and text. */
export interface OutputLine {
	readonly service: string;
	readonly seq: number;
	readonly timeMs: number;
	readonly stream: OutputStream;
	/** Escaped text (see supervisor/output-assembler.ts): no TAB, LF or other control byte. */
	readonly text: string;
}

const SEQ_RE = /^[0-9]{1,15}$/;

function num(field: string | undefined): number | null {
	return field !== undefined && SEQ_RE.test(field) ? Number(field) : null;
}

/** `output\tNAME\tSEQ\tTIME_MS\tSTREAM\tTEXT`. */
export function formatOutputLine(line: OutputLine): string {
	return `output\t${line.service}\t${line.seq}\t${line.timeMs}\t${line.stream}\t${line.text}`;
}

export function parseOutputLine(wire: string): OutputLine | null {
	const f = wire.split('\t');
	if (f.length !== 6 || f[0] !== 'output') return null;
	const seq = num(f[2]);
	const timeMs = num(f[3]);
	const stream = f[4];
	if (seq === null || timeMs === null || (stream !== 'stdout' && stream !== 'stderr')) return null;
	return { service: f[1] ?? '', seq, timeMs, stream, text: f[5] ?? '' };
}

/**
 * The last line of `output.tail` and of a follow's catch-up: `output.STATE\tNAME\tNEWEST\tSTREAM_ID`,
 * where NEWEST is the number of the newest line retained so far (0: none yet) and STREAM_ID names
 * the daemon's run (numbers of another run mean nothing here). STATE is `tail` or `live`.
 */
export interface OutputMark {
	readonly kind: 'tail' | 'live';
	readonly service: string;
	readonly newest: number;
	readonly streamId: string;
}

export function formatOutputMark(mark: OutputMark): string {
	return `output.${mark.kind}\t${mark.service}\t${mark.newest}\t${mark.streamId}`;
}

export function parseOutputMark(wire: string): OutputMark | null {
	const f = wire.split('\t');
	if (f.length !== 4 || (f[0] !== 'output.tail' && f[0] !== 'output.live')) return null;
	const newest = num(f[2]);
	if (newest === null) return null;
	return { kind: f[0] === 'output.tail' ? 'tail' : 'live', service: f[1] ?? '', newest, streamId: f[3] ?? '' };
}

/** Lines were lost between AFTER and the oldest retained line (OLDEST): `output.gap\tNAME\tAFTER\tOLDEST`. */
export function formatOutputGap(service: string, after: number, oldest: number): string {
	return `output.gap\t${service}\t${after}\t${oldest}`;
}

export function parseOutputGap(wire: string): { service: string; after: number; oldest: number } | null {
	const f = wire.split('\t');
	if (f.length !== 4 || f[0] !== 'output.gap') return null;
	const after = num(f[2]);
	const oldest = num(f[3]);
	return after === null || oldest === null ? null : { service: f[1] ?? '', after, oldest };
}
