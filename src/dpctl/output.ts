// How dpctl writes: wire text byte for byte when piped; on a terminal, readable text with every
// control character escaped (a daemon's bytes must never drive the terminal), and colour only on
// a terminal without NO_COLOR. Wire strings are latin1 (one char per byte), like the daemon's.
// Must never write a raw control byte from the wire to a terminal.

import { visibleControl } from '../client/wire.js';

export type Colour = 'green' | 'red' | 'yellow' | 'dim' | 'bold' | 'cyan';

const SGR: Readonly<Record<Colour, string>> = {
	green: '32',
	red: '31',
	yellow: '33',
	dim: '2',
	bold: '1',
	cyan: '36',
};

/** C0 except TAB, DEL, and C1 (0x80–0x9f, which some terminals read as escape sequences). */
const UNSAFE_RE = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Text with every unsafe character shown as an escape (`\x1b`, `\n`). */
export function escapeControls(text: string): string {
	return text.replace(UNSAFE_RE, visibleControl);
}

/**
 * A latin1 wire string as a person should see it: its bytes read as UTF-8 when they are valid
 * UTF-8 (else byte by byte, high bytes as `\xNN`), then control characters escaped.
 */
export function displayWire(wire: string): string {
	const bytes = Buffer.from(wire, 'latin1');
	let text: string;
	try {
		text = strictUtf8.decode(bytes);
	} catch {
		text = wire.replace(/[\x80-\xff]/g, ch => `\\x${ch.charCodeAt(0).toString(16)}`);
	}
	return escapeControls(text);
}

/** A wire string as a JSON string value: UTF-8 decoded (invalid bytes become U+FFFD). */
export function jsonWire(wire: string): string {
	return Buffer.from(wire, 'latin1').toString('utf8');
}

export { wireFromArg } from '../protocol/fields.js';

export interface OutputTarget {
	readonly isTTY?: boolean | undefined;
	write(chunk: string | Uint8Array): boolean;
}

export class Output {
	readonly isTTY: boolean;
	readonly colour: boolean;
	readonly #stream: OutputTarget;

	constructor(stream: OutputTarget, env: NodeJS.ProcessEnv = process.env) {
		this.#stream = stream;
		this.isTTY = stream.isTTY === true;
		this.colour = this.isTTY && (env['NO_COLOR'] ?? '') === '' && env['TERM'] !== 'dumb';
	}

	/** A protocol line: raw bytes when piped, made safe on a terminal. */
	wire(line: string): void {
		if (this.isTTY) this.#stream.write(`${displayWire(line)}\n`);
		else this.#stream.write(Buffer.from(`${line}\n`, 'latin1'));
	}

	/**
	 * A line of text for people. The caller has passed every piece of wire text in it through
	 * displayWire (on a terminal) so the only escapes left are the colours added by paint().
	 */
	text(line: string): void {
		this.#stream.write(`${line}\n`);
	}

	/** One JSON document per line. */
	json(value: unknown): void {
		this.#stream.write(`${JSON.stringify(value)}\n`);
	}

	paint(colour: Colour, text: string): string {
		return this.colour ? `\x1b[${SGR[colour]}m${text}\x1b[0m` : text;
	}
}

const ANSI_RE = /\x1b\[[0-9;]*m/g;

function visibleWidth(s: string): number {
	return [...s.replace(ANSI_RE, '')].length;
}

/** Columns padded to their widest cell (ANSI colour codes do not count); the last is not padded. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
	const widths: number[] = [];
	for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell))));
	return rows.map(row =>
		row
			.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleWidth(cell))))
			.join('  ')
			.trimEnd(),
	);
}

/** 38s, 5m12s, 3h04m, 2d03h. */
export function formatDuration(seconds: number): string {
	if (seconds < 60) return `${seconds}s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
	if (seconds < 86400)
		return `${Math.floor(seconds / 3600)}h${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}m`;
	return `${Math.floor(seconds / 86400)}d${String(Math.floor(seconds / 3600) % 24).padStart(2, '0')}h`;
}
