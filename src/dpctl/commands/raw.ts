// `dpctl [VERB [ARG…]]`: the default command. With a protocol verb it sends that one line
// (`dpctl service.start web`), waits for its terminal line (request tag) or echo barrier,
// prints what the command produced and exits 0 or 1. Without one it opens the console on a
// terminal. Must never connect when an argument cannot go on the wire (exit 100).

import { ArgumentError, DaemonError } from '../../client/errors.js';
import { EXIT, usageError } from '../exit-codes.js';
import type { CliArgs, DpctlCommand } from '../options.js';
import { jsonWire, wireFromArg } from '../output.js';
import { deadline, openConnection, stdout } from '../session.js';
import { CLOSING_VERBS, isProtocolVerb, UNSENDABLE_VERBS } from '../verbs.js';
import { commandLine, tagOverhead } from '../../client/wire.js';

export const DEFAULT_TIMEOUT_SECONDS = 10;

/** Sends VERB ARGS… as one protocol line; resolves with the exit status. */
export async function runRaw(args: CliArgs, verb: string, rawFields: readonly string[]): Promise<number> {
	if (UNSENDABLE_VERBS.has(verb)) {
		throw usageError(`${verb} needs a descriptor passed with SCM_RIGHTS, which dpctl cannot send`);
	}
	const fields = [verb, ...rawFields].map(wireFromArg);
	try {
		commandLine(fields, 'latin1', tagOverhead('c1')); // before connecting: control bytes, over-long lines
	} catch (error: unknown) {
		if (error instanceof ArgumentError) throw usageError(error.message);
		throw error;
	}
	const out = stdout();
	const { signal } = deadline(args, DEFAULT_TIMEOUT_SECONDS);
	const conn = await openConnection(args, signal);
	try {
		const reply = await conn.request(fields, { signal, closeIsSuccess: CLOSING_VERBS.has(verb) });
		if (args.json) out.json({ ok: true, lines: reply.lines.map(jsonWire) });
		else for (const line of reply.lines) out.wire(line);
		return EXIT.ok;
	} catch (error: unknown) {
		if (!(error instanceof DaemonError)) throw error;
		if (args.json) {
			out.json({
				ok: false,
				error: jsonWire(error.message),
				detail: jsonWire(error.detail),
				lines: error.lines.map(jsonWire),
			});
			return EXIT.daemon;
		}
		for (const line of error.lines) out.wire(line);
		throw error;
	} finally {
		conn.destroy();
	}
}

export const rawCommand: DpctlCommand = {
	command: '$0 [verb] [args..]',
	describe: 'send one protocol command (e.g. service.start web); with no verb on a terminal, open the console',
	builder: {},
	// Without a verb, yargs-app.ts opens the console instead of calling this.
	async handler(args) {
		const verb = args['verb'];
		const rest = Array.isArray(args['args']) ? args['args'].map(String) : [];
		if (verb === undefined) throw usageError('no command given');
		if (!isProtocolVerb(String(verb))) throw usageError(`unknown command ${JSON.stringify(String(verb))}`);
		return runRaw(args, String(verb), rest);
	},
};
