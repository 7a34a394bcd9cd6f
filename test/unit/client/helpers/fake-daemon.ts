// An in-memory daemon for the client's unit tests: a Duplex pair with the real codec on this side,
// speaking either 1.1 (no tags: `error\tUnknown command: :TAG`) or the design §3–§4 extensions
// (tags with one terminal line, events.seq/resume/subscribe, statedump.end), each line built by
// the daemon's own formatters in src/protocol. Never opens a socket or spawns a process.

import { Duplex } from 'node:stream';
import { LineSplitter } from '../../../../src/protocol/line-splitter.js';
import { commandError, unknownCommand } from '../../../../src/protocol/replies.js';
import { parseRequestTag, tagLine, terminalLine } from '../../../../src/protocol/request-tag.js';
import {
	SEQ_OFF_LINE,
	gapLine,
	liveLine,
	seqOnLine,
	sequencedLine,
	statedumpEndLine,
} from '../../../../src/protocol/stream-lines.js';
import { compilePattern, matchesAny, type Pattern } from '../../../../src/protocol/patterns.js';

/** Two connected in-memory streams: what one writes, the other reads; end() is seen as EOF. */
export function duplexPair(): [Duplex, Duplex] {
	const sides: Duplex[] = [];
	const make = (other: () => Duplex): Duplex =>
		new Duplex({
			read() {},
			write(chunk: Buffer, _enc, cb) {
				other().push(chunk);
				cb();
			},
			final(cb) {
				other().push(null);
				cb();
			},
		});
	sides.push(
		make(() => sides[1] as Duplex),
		make(() => sides[0] as Duplex),
	);
	return [sides[0] as Duplex, sides[1] as Duplex];
}

export interface FakeOptions {
	readonly tags: boolean;
	/** Ring of retained events for events.resume (oldest dropped first). */
	readonly ring?: number;
	readonly streamId?: string;
}

/** State shared by every connection to one fake daemon (sequence numbers outlive connections). */
export class FakeDaemon {
	readonly options: FakeOptions;
	readonly connections: FakeConnection[] = [];
	readonly events: Array<{ seq: number; line: string }> = [];
	seq = 0;
	/** The statedump body lines (without seq). */
	dump: string[] = [
		'fd.state\tnull\tspecial\tread,write\t/dev/null',
		'service.state\tweb\tup\t5\t42\t-\t-\t0\t-',
		'service.tags\tweb\t',
		'service.args\tweb\t/bin/sleep\t9',
		'service.fds\tweb\tnull\tnull\tnull',
		'service.auto_up\tweb\t-',
	];

	constructor(options: FakeOptions) {
		this.options = options;
	}

	/** A new connection: the client's end of the pair. */
	accept(): Duplex {
		const [client, server] = duplexPair();
		this.connections.push(new FakeConnection(this, server));
		return client;
	}

	get last(): FakeConnection {
		const c = this.connections.at(-1);
		if (!c) throw new Error('no connection yet');
		return c;
	}

	/** Publishes an event to every connection (with its sequence number where asked). */
	broadcast(line: string): void {
		this.seq++;
		this.events.push({ seq: this.seq, line });
		while (this.events.length > (this.options.ring ?? 100)) this.events.shift();
		for (const c of this.connections) c.deliver(this.seq, line);
	}
}

const topicOf = (line: string): [string, string | undefined] => {
	const f = line.split('\t');
	return [f[0] ?? '', f[1]];
};

export class FakeConnection {
	readonly received: string[] = [];
	readonly #daemon: FakeDaemon;
	readonly #stream: Duplex;
	readonly #splitter = new LineSplitter();
	seqMode = false;
	patterns: Pattern[] | null = null;
	/** When set, answers are held back until release() (to test aborts and ordering). */
	paused = false;
	readonly #held: string[] = [];

	constructor(daemon: FakeDaemon, stream: Duplex) {
		this.#daemon = daemon;
		this.#stream = stream;
		stream.on('data', (chunk: Buffer) => {
			for (const item of this.#splitter.push(chunk)) if (item.kind === 'line') this.#execute(item.line);
		});
		stream.on('error', () => {});
	}

	write(line: string): void {
		if (this.paused) this.#held.push(line);
		else this.#stream.write(Buffer.from(`${line}\n`, 'latin1'));
	}

	release(): void {
		this.paused = false;
		for (const line of this.#held.splice(0)) this.write(line);
	}

	/** The daemon closes the connection (a lost connection, from the client's side). */
	close(): void {
		this.#stream.end();
	}

	deliver(seq: number, line: string): void {
		const [topic, subject] = topicOf(line);
		if (this.patterns !== null && !matchesAny(this.patterns, topic, subject)) return;
		this.write(this.seqMode ? sequencedLine(seq, line) : line);
	}

	#execute(received: string): void {
		this.received.push(received);
		const parsed = parseRequestTag(received);
		if ('error' in parsed) return this.write(commandError('invalid request tag', received));
		if (parsed.tag !== null && !this.#daemon.options.tags) {
			return this.write(unknownCommand(received.split('\t')[0] ?? ''));
		}
		const tag = parsed.tag;
		const reply = (text: string): void => this.write(tag === null ? text : tagLine(tag, text));
		const [verb = '', ...args] = parsed.rest.split('\t');
		let failure: string | null = null;
		const fail = (message: string): void => {
			failure ??= message;
			if (tag === null) this.write(commandError(message, parsed.rest));
		};
		const known = this.#daemon.options.tags || !verb.startsWith('events.');
		switch (known ? verb : '') {
			case 'echo':
				if (args.join('\t') !== '') reply(args.join('\t'));
				break;
			case 'statedump':
				for (const line of this.#daemon.dump) reply(line);
				if (this.seqMode) reply(statedumpEndLine(this.#daemon.seq));
				break;
			case 'service.start':
				if (args[0] !== 'web') fail('No such service');
				else this.#daemon.broadcast(`service.state\tweb\tstart\t9\t-\t-\t-\t-\t-`);
				break;
			case 'fd.open':
				// The 1.1 accident (spec §5.1): the message holds an LF, so the error comes in two lines.
				if (tag === null)
					this.write(`error\tunknown flag "${args[1] ?? ''}"\n, for command "${parsed.rest.slice(0, 30)}..."`);
				else fail(`unknown flag "${args[1] ?? ''}"`);
				break;
			case 'events.seq':
				this.seqMode = args[0] === 'on';
				reply(this.seqMode ? seqOnLine(this.#daemon.seq, this.#daemon.options.streamId ?? 'run1') : SEQ_OFF_LINE);
				break;
			case 'events.subscribe':
				this.patterns = [...(this.patterns ?? []), ...args.map(a => compilePattern(a) as Pattern)];
				break;
			case 'events.unsubscribe':
				this.patterns = args.length === 0 ? [] : (this.patterns ?? []).filter(p => !args.includes(p.source));
				break;
			case 'events.resume': {
				const after = Number(args[0]);
				const { events } = this.#daemon;
				this.seqMode = true;
				const sameRun = args[1] === undefined || args[1] === (this.#daemon.options.streamId ?? 'run1');
				const oldest = events[0]?.seq ?? this.#daemon.seq + 1;
				if (!sameRun || after + 1 < oldest) {
					reply(gapLine(oldest, this.#daemon.seq));
					break;
				}
				for (const e of events) {
					const [topic, subject] = topicOf(e.line);
					if (e.seq > after && (this.patterns === null || matchesAny(this.patterns, topic, subject)))
						reply(sequencedLine(e.seq, e.line));
				}
				reply(liveLine(this.#daemon.seq));
				break;
			}
			default:
				if (tag === null) this.write(unknownCommand(verb));
				else failure = `Unknown command: ${verb}`;
		}
		if (tag !== null) this.write(terminalLine(tag, failure));
	}
}
