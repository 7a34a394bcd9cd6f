// The interactive console (`dpctl` with no verb on a terminal): readline with a saved
// history and completion, one connection kept open (reconnecting if the daemon goes away), live
// events printed above the line being typed without disturbing it, and every dpctl verb and
// command available as a typed line (`service.start web`, `status`, `help`).
// Must never print a wire byte raw: replies and events go through Output (terminal-safe).

import { createInterface, type Interface } from 'node:readline';
import { parseEvent } from '../protocol/events.js';
import { matchesAny } from '../protocol/patterns.js';
import type { Client } from '../client/client.js';
import { REPLY_ONLY_VERBS } from '../client/connection.js';
import { DaemonError } from '../client/errors.js';
import { compilePatterns } from '../client/event-stream.js';
import { applyEvent, emptySnapshot, type Snapshot } from '../client/snapshot.js';
import { fastParse } from './argv.js';
import { complete } from './completer.js';
import { describeEvent } from './describe-event.js';
import { EXIT, usageError } from './exit-codes.js';
import { appendHistory, historyPath, loadHistory } from './history.js';
import { consoleHelp } from './console-help.js';
import type { CliArgs } from './options.js';
import { displayWire, wireFromArg, type Output } from './output.js';
import { describeFailure, openClient, stdout } from './session.js';
import { splitWords } from './words.js';

const PROMPT = 'dpctl> ';
const COMMAND_TIMEOUT_MS = 10_000;

/** Runs a console line that needs the full option parser (yargs-app.ts); passed in, so the console does not import the app that opens it. */
export type FullParser = (words: readonly string[]) => Promise<number>;

class ConsoleSession {
	readonly #client: Client;
	readonly #fullParser: FullParser;
	readonly #out: Output;
	readonly #rl: Interface;
	#snapshot: Snapshot = emptySnapshot();
	#filter: ReturnType<typeof compilePatterns> | null = null;
	#busy = false;

	constructor(client: Client, out: Output, fullParser: FullParser) {
		this.#client = client;
		this.#fullParser = fullParser;
		this.#out = out;
		const path = historyPath();
		this.#rl = createInterface({
			input: process.stdin,
			output: process.stdout,
			terminal: true,
			prompt: PROMPT,
			history: loadHistory(path),
			historySize: 1000,
			removeHistoryDuplicates: true,
			completer: (line: string) => complete(line, this.#snapshot),
		});
		this.#rl.on('line', line => {
			if (line.trim() !== '') appendHistory(path, line);
			void this.#run(line);
		});
		this.#rl.on('SIGINT', () => {
			if (this.#rl.line.length > 0) this.#rl.write(null, { ctrl: true, name: 'u' });
			else this.#above(this.#out.paint('dim', '(to leave, type quit or press Ctrl-D)'));
		});
	}

	/** The daemon went away or came back: say so above the prompt. */
	connection(state: 'lost' | 'restored', why: string | null): void {
		const address = displayWire(this.#client.address);
		this.#above(
			state === 'lost'
				? this.#out.paint(
						'red',
						`-- lost the daemon at ${address}${why ? ` (${displayWire(why)})` : ''}; reconnecting --`,
					)
				: this.#out.paint('green', `-- reconnected to ${address} --`),
		);
	}

	/** Prints a line above the prompt, then redraws the prompt and what was typed, cursor kept. */
	#above(text: string): void {
		if (this.#busy) return this.#out.text(text);
		process.stdout.write('\r\x1b[2K');
		this.#out.text(text);
		this.#rl.prompt(true);
	}

	async start(): Promise<number> {
		this.#snapshot = (await this.#client.statedump({ signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS) })).snapshot;
		const services = this.#snapshot.services.size;
		this.#out.text(
			this.#out.paint(
				'dim',
				`connected to ${this.#client.address}: ${services} service${services === 1 ? '' : 's'}; type help, or quit`,
			),
		);
		void this.#follow();
		this.#rl.prompt();
		return new Promise(resolve =>
			this.#rl.on('close', () => {
				process.stdout.write('\n');
				resolve(EXIT.ok);
			}),
		);
	}

	async #follow(): Promise<void> {
		try {
			for await (const item of this.#client.events()) {
				if (item.kind === 'resync') {
					this.#snapshot = item.snapshot;
					this.#above(this.#out.paint('yellow', `-- resynchronised (${item.reason}) --`));
					continue;
				}
				if (item.event) applyEvent(this.#snapshot, item.event);
				if (this.#filter === null || matchesAny(this.#filter, item.topic, item.subject)) {
					this.#above(describeEvent(item, this.#out));
				}
			}
		} catch (error: unknown) {
			this.#above(describeFailure(error).message);
		}
	}

	async #run(line: string): Promise<void> {
		const split = splitWords(line);
		if (!split.ok) return this.#done(`dpctl: ${split.error}`);
		const [first, ...rest] = split.words;
		if (first === undefined) return this.#done();
		if (first === 'quit' || first === 'exit') return void this.#rl.close();
		if (first === 'help') return this.#done(consoleHelp(rest[0]));
		if (first === 'filter') return this.#setFilter(rest);
		if (first === 'watch' || first === 'wait')
			return this.#done('dpctl: the console already shows every event; use filter [PATTERN…] to choose');
		if (first === 'logs' && rest.some(word => word === '-f' || word === '--follow'))
			return this.#done('dpctl: logs -f runs until interrupted: use it outside the console');
		this.#busy = true;
		this.#rl.pause();
		try {
			const parsed = await fastParse(split.words);
			if (parsed.kind === 'raw') await this.#raw(parsed.verb, parsed.fields);
			else if (parsed.kind === 'command')
				await parsed.command.handler({ ...parsed.args, socket: this.#client.address });
			else {
				await this.#fullParser(split.words);
			}
			this.#done();
		} catch (error: unknown) {
			this.#done(describeFailure(error).message);
		}
	}

	async #raw(verb: string, fields: readonly string[]): Promise<void> {
		const wire = [verb, ...fields].map(wireFromArg);
		try {
			const reply = await this.#client.command(wire, { signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS) });
			// Against a 1.1 daemon the reply window also holds events, already shown live.
			const echoMode = this.#client.mode === 'echo' && !REPLY_ONLY_VERBS.has(verb);
			for (const l of reply.lines) if (!echoMode || parseEvent(l) === null) this.#out.wire(l);
		} catch (error: unknown) {
			if (error instanceof DaemonError) for (const l of error.lines) this.#out.wire(l);
			throw error;
		}
	}

	#setFilter(patterns: string[]): void {
		try {
			this.#filter = patterns.length === 0 ? null : compilePatterns(patterns.map(wireFromArg));
			this.#done(patterns.length === 0 ? 'showing every event' : `showing ${patterns.join(' ')}`);
		} catch (error: unknown) {
			this.#done(`dpctl: ${(error as Error).message}`);
		}
	}

	#done(message?: string): void {
		if (message !== undefined) this.#out.text(message);
		this.#busy = false;
		this.#rl.resume();
		this.#rl.prompt();
	}
}

export async function runConsole(args: CliArgs, fullParser: FullParser): Promise<number> {
	if (!process.stdin.isTTY || !process.stdout.isTTY) {
		throw usageError('no command given (the console needs a terminal); e.g. dpctl status, dpctl statedump');
	}
	let session: ConsoleSession | null = null;
	const client = await openClient(args, AbortSignal.timeout(COMMAND_TIMEOUT_MS), true, (state, error) =>
		session?.connection(state, error?.message ?? null),
	);
	try {
		session = new ConsoleSession(client, stdout(), fullParser);
		return await session.start();
	} finally {
		client.destroy();
	}
}
