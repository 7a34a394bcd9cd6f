// What the daemon keeps of its services' output (daemonproxy(8), SERVICE OUTPUT), without the
// pipes: each service's ring (its own size, or the daemon's default), the lines kept with its
// last down record, and where its output is forwarded. Pure: the daemon's capture
// (src/daemon/output-capture.ts) feeds it lines; commands read and configure it.

import type { OutputLine, OutputStream } from '../protocol/output-lines.js';
import { DEFAULT_OUTPUT_LINES, OutputRing } from './output-ring.js';

/** Lines copied into a service's down record when it exits (`output.tail NAME N exit`). */
export const EXIT_LINES = 20;

/** Where a service's captured output also goes: a handle, raw or as `NAME | LINE`. */
export interface ForwardTarget {
	readonly handle: string;
	readonly prefix: boolean;
}

interface Entry {
	readonly ring: OutputRing;
	/** service.output_ring; null: the daemon's default. */
	lines: number | null;
	forward: readonly ForwardTarget[];
	exitLines: readonly OutputLine[];
}

export class OutputBook {
	readonly #entries = new Map<string, Entry>();
	#defaultLines = DEFAULT_OUTPUT_LINES;

	/** The ring size of services without their own (`--output-lines`). */
	get defaultLines(): number {
		return this.#defaultLines;
	}

	set defaultLines(lines: number) {
		this.#defaultLines = lines;
		for (const entry of this.#entries.values()) if (entry.lines === null) entry.ring.resize(lines);
	}

	/** The service's ring; undefined until it is configured or first captured. */
	ring(service: string): OutputRing | undefined {
		return this.#entries.get(service)?.ring;
	}

	/** The newest lines when the service last went down. */
	exitLines(service: string): readonly OutputLine[] {
		return this.#entries.get(service)?.exitLines ?? [];
	}

	forwardTargets(service: string): readonly ForwardTarget[] {
		return this.#entries.get(service)?.forward ?? [];
	}

	setRingLines(service: string, lines: number | null): void {
		const entry = this.#entry(service);
		entry.lines = lines;
		entry.ring.resize(lines ?? this.#defaultLines);
	}

	setForward(service: string, targets: readonly ForwardTarget[]): void {
		this.#entry(service).forward = [...targets];
	}

	/** Lines captured together (one read), all stamped `timeMs`. */
	append(service: string, stream: OutputStream, timeMs: number, texts: readonly string[]): OutputLine[] {
		const { ring } = this.#entry(service);
		return texts.map(text => ring.push(stream, timeMs, text));
	}

	/** The service went down: keep its newest lines with the down record. */
	markExit(service: string): void {
		const entry = this.#entries.get(service);
		if (entry) entry.exitLines = entry.ring.last(EXIT_LINES);
	}

	forget(service: string): void {
		this.#entries.delete(service);
	}

	#entry(service: string): Entry {
		let entry = this.#entries.get(service);
		if (!entry) {
			entry = { ring: new OutputRing(service, this.#defaultLines), lines: null, forward: [], exitLines: [] };
			this.#entries.set(service, entry);
		}
		return entry;
	}
}
