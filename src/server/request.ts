// One received line as one command execution (daemonproxy(8), Commands and replies, Request
// tags): the request tag, ignored lines, unknown commands, the role check, the audit event, and
// the boundary that catches everything a handler throws: the daemon logs it and lives on. The
// handlers come in as a table (dispatch.ts holds the daemon's), so this runs without the addon.
// Invariants: an untagged line is answered exactly as in 1.1; a tagged one gets each of its lines
// tagged and exactly one terminal line (`:TAG\tok` or `:TAG\terror\tMESSAGE`), after its last line.

import { isIgnoredLine, splitFields } from '../protocol/fields.js';
import { commandError, logCommandFailure, logUnknownCommand, unknownCommand } from '../protocol/replies.js';
import { INVALID_REQUEST_TAG, parseRequestTag, tagLine, terminalLine } from '../protocol/request-tag.js';
import { statedumpEndLine } from '../protocol/stream-lines.js';
import { PoolFullError } from '../supervisor/pools.js';
import { commandClass, roleAllows, type CommandClass, type Role } from './auth-policy.js';
import type { CommandContext, CommandHandler, CommandHost } from './command-context.js';
import type { Controller } from './controller.js';
import { EXT_MSG, permissionDenied } from './messages.js';

/** The issuer's side of one command: how its lines are shaped, and whether it failed. */
class Request {
	readonly #host: CommandHost;
	readonly #controller: Controller;
	readonly #tag: string | null;
	readonly line: string;
	/** The first failure message; null while the command is fine. */
	failure: string | null = null;

	constructor(host: CommandHost, controller: Controller, tag: string | null, line: string) {
		this.#host = host;
		this.#controller = controller;
		this.#tag = tag;
		this.line = line;
	}

	/** A line for the issuer, tagged when the request was. */
	format(text: string): string {
		return this.#tag === null ? text : tagLine(this.#tag, text);
	}

	reply(text: string): void {
		this.#controller.send(this.format(text));
	}

	fail(message: string): void {
		this.#host.logFailure(this.#controller, ...logCommandFailure(this.#controller.label, this.line, message));
		this.failure ??= message;
		// Untagged: the 1.1 error line at once. Tagged: the terminal line says it, once, at the end.
		if (this.#tag === null) this.#controller.send(commandError(message, this.line));
	}

	/** Unknown verb: 1.1's line, or the tagged terminal error. */
	unknown(verb: string): void {
		this.#host.logFailure(this.#controller, logUnknownCommand(this.#controller.label, verb));
		const line = unknownCommand(verb);
		if (this.#tag === null) this.#controller.send(line);
		else this.failure ??= line.slice('error\t'.length);
	}

	/** `:TAG\tok` / `:TAG\terror\tMESSAGE`, or null for an untagged request. */
	terminal(): string | null {
		if (this.#tag === null) return null;
		return terminalLine(this.#tag, this.failure);
	}

	end(): void {
		const terminal = this.terminal();
		if (terminal !== null) this.#controller.send(terminal);
	}
}

/** The handler of each verb; a Map, so a verb like `__proto__` is just an unknown command. */
export type CommandTable = ReadonlyMap<string, CommandHandler>;

/** Runs one received line against `commands`; returns the lines to stream, if any (statedump). */
export function runRequest(
	commands: CommandTable,
	host: CommandHost,
	controller: Controller,
	received: string,
): Iterable<string> | void {
	// 1.1's debug line (-v), kept for the greps that rely on it.
	if (host.log.enabled('debug')) host.log.debug(`${controller.label} command: "${received}"`);
	const parsed = parseRequestTag(received);
	if ('error' in parsed) {
		host.logFailure(controller, ...logCommandFailure(controller.label, received, INVALID_REQUEST_TAG));
		controller.send(commandError(INVALID_REQUEST_TAG, received));
		return;
	}
	const request = new Request(host, controller, parsed.tag, parsed.rest);
	const { line } = request;
	if (isIgnoredLine(line)) return request.end();
	const [verb = '', ...args] = splitFields(line);
	const handler = commands.get(verb);
	if (!handler) {
		request.unknown(verb);
		return request.end();
	}
	const kind = commandClass(verb);
	const role = host.roleOf(controller);
	if (role === null || !roleAllows(role, kind)) {
		request.fail(permissionDenied(role));
		audit(host, controller, kind, role, request, true);
		return request.end();
	}
	const ctx: CommandContext = {
		host,
		supervisor: host.supervisor,
		log: host.log,
		controller,
		role,
		line,
		args,
		reply: text => request.reply(text),
		fail: message => request.fail(message),
	};
	let output: Iterable<string> | void = undefined;
	try {
		output = handler(ctx);
	} catch (error: unknown) {
		internalError(host, verb, error, request);
	}
	if (output)
		return stream(host, controller, verb, output, () => audit(host, controller, kind, role, request, false), request);
	audit(host, controller, kind, role, request, false);
	request.end();
}

function internalError(host: CommandHost, verb: string, error: unknown, request: Request): void {
	// A full --service-pool/--fd-pool carries its 1.1 text (`Unable to allocate new service`…).
	if (error instanceof PoolFullError) {
		request.fail(error.message);
		return;
	}
	host.log.error(`command "${verb}" threw: ${(error as Error).stack ?? String(error)}`);
	request.fail(EXT_MSG.internalError);
}

/** Every command that may change state is published as an `audit` event (daemonproxy(8), Peer credentials and roles). */
function audit(
	host: CommandHost,
	controller: Controller,
	kind: CommandClass,
	role: Role | null,
	request: Request,
	denied: boolean,
): void {
	if (kind === 'read') return;
	host.publishAudit(controller, role, denied ? 'denied' : request.failure === null ? 'ok' : 'error', request.line);
}

/**
 * A command's streamed output (statedump, events.resume), pulled by the controller under
 * back-pressure: each line shaped for the issuer, then (statedump in seq mode) the terminator,
 * then the terminal line of a tagged request.
 */
function* stream(
	host: CommandHost,
	controller: Controller,
	verb: string,
	output: Iterable<string>,
	done: () => void,
	request: Request,
): Generator<string> {
	const lines = output[Symbol.iterator]();
	for (;;) {
		let next: IteratorResult<string>;
		try {
			next = lines.next();
		} catch (error: unknown) {
			internalError(host, verb, error, request);
			break;
		}
		if (next.done) break;
		yield request.format(next.value);
	}
	// Produced right after the last dump line, so no event can fall between the two (daemonproxy(8), The statedump).
	if (verb === 'statedump' && controller.delivery.seqMode && request.failure === null) {
		yield request.format(statedumpEndLine(host.events.newestSeq));
	}
	done();
	const terminal = request.terminal();
	if (terminal !== null) yield terminal;
}
