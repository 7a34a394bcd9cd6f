// Captured service output (daemonproxy(8), SERVICE OUTPUT): for each service that names the
// `output` handle, one pipe per stream (stdout at position 1, stderr at 2) owned by the daemon and
// kept across restarts of the service until it is deleted; both ends stay open here, so a restart
// never loses a byte and the reader never sees EOF. The read end is drained continuously with
// non-blocking reads (FdStream) into the service's ring (OutputBook) and, optionally, forwarded.
// Invariants: a service is never blocked by the daemon (we always read); memory is bounded by the
// rings, MAX_OUTPUT_LINE_BYTES per partial line and FORWARD_QUEUE_BYTES per forward target; a
// target that does not read loses lines (counted, logged when it drains), never the ring. Every
// fd opened here is closed in forget() (or, for a writer, when its target changes or fails).

import type { OutputLine, OutputStream } from '../protocol/output-lines.js';
import { FdStream } from '../os/fd-stream.js';
import { openPrivateWriter } from '../os/private-writer.js';
import * as sys from '../os/sys.js';
import type { Handle } from '../supervisor/handle-table.js';
import type { Logger } from '../supervisor/logger.js';
import { LineAssembler, type Assembled } from '../supervisor/output-assembler.js';
import { OutputBook, type ForwardTarget } from '../supervisor/output-book.js';
import type { OutputPort } from '../supervisor/supervisor.js';

/** Bytes waiting for one forward target before its lines are dropped. */
export const FORWARD_QUEUE_BYTES = 256 * 1024;

interface Capture {
	readonly stream: OutputStream;
	readonly readFd: number;
	readonly writeFd: number;
	readonly reader: FdStream;
	readonly lines: LineAssembler;
}

/** One forward target's writer: a private non-blocking description of the handle's fd. */
interface Forwarder {
	/** The handle fd the writer was opened from: a replaced handle gets a new writer. */
	readonly sourceFd: number;
	/** null once writing failed (until the handle is replaced). */
	writer: FdStream | null;
	dropped: number;
}

interface Pipes {
	readonly captures: Map<OutputStream, Capture>;
	/** By handle name. */
	readonly forwarders: Map<string, Forwarder>;
}

export interface OutputCaptureHost {
	readonly log: Logger;
	handle(name: string): Handle | undefined;
	/** New lines of a service, in order (for followers). */
	captured(service: string, lines: readonly OutputLine[]): void;
	/** Wall-clock milliseconds, the lines' time stamps. */
	now(): number;
}

export class OutputCapture implements OutputPort {
	readonly book = new OutputBook();
	readonly #host: OutputCaptureHost;
	readonly #pipes = new Map<string, Pipes>();

	constructor(host: OutputCaptureHost) {
		this.#host = host;
	}

	/** The child's end of the service's capture pipe for `stream`, created on first use; null (logged) on failure. */
	childFd(service: string, stream: OutputStream): number | null {
		let pipes = this.#pipes.get(service);
		const existing = pipes?.captures.get(stream);
		if (existing) return existing.writeFd;
		let ends: [number, number];
		try {
			ends = sys.pipe();
		} catch (error: unknown) {
			this.#host.log.error(`can't create output pipe for service '${service}': ${(error as Error).message}`);
			return null;
		}
		const [readFd, writeFd] = ends;
		const lines = new LineAssembler();
		const reader = new FdStream(
			readFd,
			{
				onData: data => this.#take(service, stream, lines.push(data)),
				// Not expected (we hold the write end): reading stops; say so rather than spin.
				onEnd: () => this.#host.log.error(`output pipe of service '${service}' (${stream}) closed`),
				onError: error => this.#host.log.error(`read(output of '${service}', ${stream}): ${error.message}`),
			},
			{ read: true, write: false },
		);
		if (!pipes) {
			pipes = { captures: new Map(), forwarders: new Map() };
			this.#pipes.set(service, pipes);
		}
		pipes.captures.set(stream, { stream, readFd, writeFd, reader, lines });
		return writeFd;
	}

	/**
	 * The service's process ended: take what is still in its pipes, end a partial last line, and
	 * keep the newest lines with its down record.
	 */
	exited(service: string): void {
		const pipes = this.#pipes.get(service);
		if (!pipes) return;
		for (const capture of pipes.captures.values()) {
			capture.reader.readNow();
			const rest = capture.lines.flush();
			if (rest) this.#take(service, capture.stream, rest);
		}
		this.book.markExit(service);
	}

	/** The service was deleted: close its pipes and writers, forget its lines. */
	forget(service: string): void {
		this.book.forget(service);
		const pipes = this.#pipes.get(service);
		if (!pipes) return;
		this.#pipes.delete(service);
		for (const capture of pipes.captures.values()) {
			capture.reader.destroy();
			sys.close(capture.readFd);
			sys.close(capture.writeFd);
		}
		for (const forwarder of pipes.forwarders.values()) closeWriter(forwarder);
	}

	#take(service: string, stream: OutputStream, assembled: Assembled): void {
		if (assembled.texts.length === 0) return;
		const lines = this.book.append(service, stream, this.#host.now(), assembled.texts);
		const targets = this.book.forwardTargets(service);
		const pipes = this.#pipes.get(service);
		if (pipes && (targets.length > 0 || pipes.forwarders.size > 0)) this.#forward(service, pipes, targets, assembled);
		this.#host.captured(service, lines);
	}

	/**
	 * The lines to each target: as written (raw), or as `NAME | TEXT` (escaped text); dropped and
	 * counted, all of them, when they do not fit the target's queue.
	 */
	#forward(service: string, pipes: Pipes, targets: readonly ForwardTarget[], assembled: Assembled): void {
		for (const [name, forwarder] of pipes.forwarders) {
			if (!targets.some(target => target.handle === name)) {
				closeWriter(forwarder);
				pipes.forwarders.delete(name);
			}
		}
		let prefixed: Buffer | null = null;
		for (const target of targets) {
			const forwarder = this.#forwarder(service, pipes, target.handle);
			const writer = forwarder?.writer ?? null;
			if (forwarder === null || writer === null) {
				if (forwarder) forwarder.dropped += assembled.texts.length;
				continue;
			}
			const bytes = target.prefix
				? (prefixed ??= Buffer.from(assembled.texts.map(text => `${service} | ${text}\n`).join(''), 'latin1'))
				: assembled.raw;
			if (writer.pendingBytes + bytes.length > FORWARD_QUEUE_BYTES) {
				forwarder.dropped += assembled.texts.length;
				continue;
			}
			// A copy when queued: the queue must not keep the (64 KiB) read buffers alive.
			writer.write(bytes === assembled.raw ? Buffer.from(bytes) : bytes);
		}
	}

	/** The target's forwarder, (re)opened when its handle is new; null when the handle has no fd. */
	#forwarder(service: string, pipes: Pipes, name: string): Forwarder | null {
		const fd = this.#host.handle(name)?.fd ?? null;
		const current = pipes.forwarders.get(name);
		if (current && current.sourceFd === fd) return current;
		if (current) closeWriter(current);
		pipes.forwarders.delete(name);
		if (fd === null) return null;
		const forwarder: Forwarder = { sourceFd: fd, writer: null, dropped: 0 };
		pipes.forwarders.set(name, forwarder);
		const { log } = this.#host;
		try {
			const own = openPrivateWriter(fd);
			const writer: FdStream = new FdStream(
				own,
				{
					onData: () => {},
					onEnd: () => {},
					onError: error => {
						log.warning(`service '${service}': forwarding output to '${name}' failed: ${error.message}`);
						if (forwarder.writer === writer) closeWriter(forwarder);
					},
					onDrain: () => {
						if (forwarder.dropped === 0) return;
						log.warning(`service '${service}': dropped ${forwarder.dropped} output lines for '${name}' (not reading)`);
						forwarder.dropped = 0;
					},
				},
				{ read: false, write: true },
			);
			forwarder.writer = writer;
		} catch (error: unknown) {
			log.warning(`service '${service}': cannot forward output to '${name}': ${(error as Error).message}`);
		}
		return forwarder;
	}
}

function closeWriter(forwarder: Forwarder): void {
	const writer = forwarder.writer;
	forwarder.writer = null;
	if (writer === null) return;
	writer.destroy();
	sys.close(writer.fd);
}
