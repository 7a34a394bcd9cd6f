// What a command handler sees: the issuing controller and its role, the parsed line, and the two
// ways to answer (a reply line to the issuer, or a failure: 1.1-shaped, or the `:TAG` terminal
// line of a tagged request, design §4). Also the shared argument checks of spec §7's preamble
// (SVC-new, SVC-old, FD-assign), which every command family uses.

import { checkName } from '../protocol/fields.js';
import { MSG } from '../protocol/replies.js';
import { isConstantName } from '../supervisor/handle-table.js';
import type { ServiceRecord } from '../supervisor/service-machine.js';
import type { Role } from './auth-policy.js';
import type { Controller } from './controller.js';
import type { Daemon } from './daemon.js';

export interface CommandContext {
	readonly daemon: Daemon;
	readonly controller: Controller;
	/** The issuer's role when the command started (design §2). */
	readonly role: Role;
	/** The whole received line (without LF and without a request tag), for error contexts. */
	readonly line: string;
	/** The fields after the command name (absent fields are simply missing). */
	readonly args: readonly string[];
	/** A line for the issuer only (tagged when the request was). */
	reply(line: string): void;
	/**
	 * Report failure: `error\tMESSAGE, for command "…"` to the issuer, and the log (§5.1); for
	 * a tagged request the terminal line becomes `:TAG\terror\tMESSAGE`. Call at most once.
	 */
	fail(message: string): void;
}

/** A handler returns nothing, or lines to stream under back-pressure (statedump). */
export type CommandHandler = (ctx: CommandContext) => Iterable<string> | void;

/**
 * SVC-new without the 1.1 accident: checks the name only; the caller creates the service
 * with `daemon.supervisor.ensure` once every other check of the command has passed.
 */
export function checkNewServiceName(ctx: CommandContext, name: string | undefined): name is string {
	const check = checkName(name);
	if (check === 'ok') return true;
	ctx.fail(check === 'absent' ? MSG.expectedServiceName : MSG.invalidServiceName);
	return false;
}

/** SVC-old: the service must exist. */
export function existingService(ctx: CommandContext, name: string | undefined): ServiceRecord | undefined {
	if (!checkNewServiceName(ctx, name)) return undefined;
	const record = ctx.daemon.supervisor.service(name);
	if (!record) ctx.fail(MSG.noSuchService);
	return record;
}

/** FD-assign: a valid name that is not one of the four constant handles. */
export function checkAssignableFdName(ctx: CommandContext, name: string | undefined): name is string {
	const check = checkName(name);
	if (check !== 'ok') {
		ctx.fail(check === 'absent' ? MSG.expectedFdName : MSG.invalidFdName);
		return false;
	}
	if (isConstantName(name as string)) {
		ctx.fail(MSG.fdCannotBeAltered);
		return false;
	}
	return true;
}

/** A field list where "no fields" may also be written as one empty field (§7.3, §7.4). */
export function listArgument(fields: readonly string[]): readonly string[] {
	return fields.length === 1 && fields[0] === '' ? [] : fields;
}
