// The process-tree commands (daemonproxy(8), SERVICES, Process trees): service.user (the
// credentials of a service's next runs), service.leftovers (what happens to processes a run
// leaves behind) and service.tree (what a tree holds and costs now). Every argument is checked
// before anything changes.

import { parseInteger } from '../../protocol/fields.js';
import { formatTreeLine } from '../../protocol/tree-lines.js';
import type { Verb } from '../../protocol/verbs.js';
import { loadAccounts } from '../auth-accounts.js';
import { checkNewServiceName, existingService, type CommandContext, type CommandHandler } from '../command-context.js';
import { EXT_MSG, MAX_GRACE_SECONDS, userNeedsRoot } from '../messages.js';
import { resolveServiceUser } from '../service-user.js';

function serviceUser(ctx: CommandContext): void {
	const [name, spec, extra] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	if (extra !== undefined) return ctx.fail(EXT_MSG.unexpectedArguments);
	if (spec === undefined || spec === '') {
		ctx.supervisor.ensure(name);
		ctx.supervisor.setUser(name, null);
		return;
	}
	// setgroups/setresgid/setresuid need CAP_SETUID and CAP_SETGID: refused now, not at every start.
	const euid = process.geteuid?.() ?? 0;
	if (euid !== 0) return ctx.fail(userNeedsRoot(euid));
	const user = resolveServiceUser(spec, loadAccounts());
	if (typeof user === 'string') return ctx.fail(user);
	ctx.supervisor.ensure(name);
	ctx.supervisor.setUser(name, user);
}

function serviceLeftovers(ctx: CommandContext): void {
	const [name, policy, graceField, extra] = ctx.args;
	if (!checkNewServiceName(ctx, name)) return;
	if (policy !== 'leave' && policy !== 'stop') return ctx.fail(EXT_MSG.expectedPolicy);
	if (extra !== undefined) return ctx.fail(EXT_MSG.unexpectedArguments);
	let grace: number | undefined;
	if (graceField !== undefined) {
		const parsed = parseInteger(graceField);
		if (parsed === null || parsed < 0n || parsed > BigInt(MAX_GRACE_SECONDS))
			return ctx.fail(EXT_MSG.invalidLeftoverGrace);
		grace = Number(parsed);
	}
	const record = ctx.supervisor.ensure(name);
	ctx.supervisor.setLeftovers(name, policy, grace ?? record.stopGrace);
}

function serviceTree(ctx: CommandContext): void {
	const names = ctx.args.length > 0 ? ctx.args : ctx.supervisor.serviceNames();
	for (const name of names) if (!existingService(ctx, name)) return;
	for (const name of names) {
		const status = ctx.supervisor.treeStatus(name);
		if (!status) continue;
		ctx.reply(formatTreeLine({ name, ...status.usage, pids: status.processes.map(p => p.pid) }));
	}
}

export const treeCommands = {
	'service.user': serviceUser,
	'service.leftovers': serviceLeftovers,
	'service.tree': serviceTree,
} as const satisfies Partial<Record<Verb, CommandHandler>>;
