// What a command handler sees: the issuing controller and its role, the parsed line, the two
// ways to answer (a reply line to the issuer, or a failure: 1.1-shaped, or the `:TAG` terminal
// line of a tagged request), and the narrow parts of the daemon a command may use or change
// (CommandHost: src/daemon implements it; the control plane never imports the daemon). Also the
// shared argument checks of every command family (SVC-new, SVC-old, FD-assign; daemonproxy(8),
// COMMANDS).

import type { AuditResult } from '../protocol/access-lines.js';
import { checkName } from '../protocol/fields.js';
import { MSG } from '../protocol/replies.js';
import { isConstantName } from '../supervisor/handle-table.js';
import type { Logger } from '../supervisor/logger.js';
import type { OutputBook } from '../supervisor/output-book.js';
import type { ServiceRecord } from '../supervisor/service-machine.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Role, Rule } from './auth-policy.js';
import type { Controller } from './controller.js';
import type { EventRing } from './event-ring.js';

/** Process-wide state that commands may change: the daemon process owns it. */
export interface ProcessControl {
	/** Terminate guard; 0n = none. */
	guard: bigint;
	/** Exec-on-exit argument vector; null = none. */
	execOnExit: string[] | null;
	/** End at the end of this loop turn: exec-on-exit if configured, else exit. */
	requestExit(status: number, message: string): void;
	/** chdir(2); returns the strerror text on failure. */
	chdir(path: string): string | null;
	/** Send the log to a handle from now on; false when it does not exist. */
	followLog(handleName: string): boolean;
	/** `service.essential`: when it ends for good, the daemon stops everything and exits with its status. */
	setEssential(name: string, on: boolean): void;
	isEssential(name: string): boolean;
	/** log.reopen: open the --log-file again (after a rotation); an error message, or null. */
	reopenLog(): string | null;
	/** Replace the control socket; false (logged) when it cannot be created. */
	openControlSocket(path: string): boolean;
	closeControlSocket(): void;
}

/** The daemon as the control plane sees it. */
export interface CommandHost {
	readonly log: Logger;
	readonly supervisor: Supervisor;
	/** The numbered event stream and its retained tail. */
	readonly events: EventRing;
	/** Names this run's numbering, so a resume across a daemon restart is a gap. */
	readonly streamId: string;
	readonly process: ProcessControl;
	/** Captured service output: rings and settings (the daemon owns the pipes). */
	readonly output: OutputBook;
	/** The controller's role now (null: none). */
	roleOf(controller: Controller): Role | null;
	addRule(rule: Rule): void;
	/** The `audit` event of a command that may change state, and its copy in the log. */
	publishAudit(controller: Controller, role: Role | null, result: AuditResult, line: string): void;
	/**
	 * Error lines of a command that failed (or was unknown, or malformed) on `controller`; a
	 * socket peer's are rate-limited per uid, the daemon's own controllers' all logged.
	 */
	logFailure(controller: Controller, first: string, ...more: string[]): void;
}

export interface CommandContext {
	readonly host: CommandHost;
	readonly supervisor: Supervisor;
	readonly log: Logger;
	readonly controller: Controller;
	/** The issuer's role when the command started. */
	readonly role: Role;
	/** The whole received line (without LF and without a request tag), for error contexts. */
	readonly line: string;
	/** The fields after the command name (absent fields are simply missing). */
	readonly args: readonly string[];
	/** A line for the issuer only (tagged when the request was). */
	reply(line: string): void;
	/**
	 * Report failure: `error\tMESSAGE, for command "…"` to the issuer, and the log; for a tagged
	 * request the terminal line becomes `:TAG\terror\tMESSAGE`. Call at most once.
	 */
	fail(message: string): void;
}

/** A handler returns nothing, or lines to stream under back-pressure (statedump). */
export type CommandHandler = (ctx: CommandContext) => Iterable<string> | void;

/**
 * SVC-new without the 1.1 accident: checks the name only; the caller creates the service
 * with `supervisor.ensure` once every other check of the command has passed.
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
	const record = ctx.supervisor.service(name);
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

/** A field list where "no fields" may also be written as one empty field (service.args, service.fds). */
export function listArgument(fields: readonly string[]): readonly string[] {
	return fields.length === 1 && fields[0] === '' ? [] : fields;
}
