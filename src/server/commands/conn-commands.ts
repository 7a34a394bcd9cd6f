// Commands about the issuing connection's identity and the grant rules: conn.whoami
// answers with the peer credentials and role; conn.allow adds a rule (admin class, typically from
// the config file). A rule applies to every later command of every connection, and to later
// connections; rules only grant, so nothing already allowed is taken away.

import { whoamiLine } from '../../protocol/access-lines.js';
import { loadAccounts, makeRule } from '../auth-accounts.js';
import type { Verb } from '../../protocol/verbs.js';
import type { CommandContext, CommandHandler } from '../command-context.js';
import { EXT_MSG } from '../messages.js';

function whoami(ctx: CommandContext): void {
	ctx.reply(whoamiLine(ctx.controller.id, ctx.controller.peer, ctx.role));
}

function allow(ctx: CommandContext): void {
	const [role, selector] = ctx.args;
	if (role === undefined || selector === undefined || role === '' || selector === '')
		return ctx.fail(EXT_MSG.expectedRoleAndSelector);
	// Read now, once: a user or group created later needs the rule given again.
	const rule = makeRule(role, selector, loadAccounts());
	if (typeof rule === 'string') return ctx.fail(rule);
	ctx.host.addRule(rule);
	ctx.log.info(`${ctx.controller.label} granted ${rule.role} to ${selector}`);
}

export const connCommands = {
	'conn.whoami': whoami,
	'conn.allow': allow,
} as const satisfies Partial<Record<Verb, CommandHandler>>;
