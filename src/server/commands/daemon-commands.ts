// Commands about the daemon and the issuing connection: echo, statedump, chdir, exit, logging,
// timeouts, signals, termination and the control socket. Each checks its arguments in the 1.1
// order and answers with 1.1 texts.

import { checkName, parseInteger, restOfLine } from '../../protocol/fields.js';
import { formatEvent } from '../../protocol/events.js';
import { handleStateEvent } from '../../supervisor/handle-table.js';
import { signalEvent } from '../../supervisor/signal-counters.js';
import { MSG, callFailed, fdDoesNotExistWarning } from '../../protocol/replies.js';
import { parseSignalArgument } from '../../protocol/signals.js';
import { parseLogLevel } from '../../supervisor/logger.js';
import type { Verb } from '../../protocol/verbs.js';
import { listArgument, type CommandContext, type CommandHandler } from '../command-context.js';
import { EXT_MSG } from '../messages.js';

const MAX_TIMEOUT_SECONDS = 0x7fffffffn;

function echo(ctx: CommandContext): void {
	const text = restOfLine(ctx.line, 1);
	if (text) ctx.reply(text);
}

/**
 * Handles, then five lines per service (six for a connection subscribed to service.status), then
 * pending signals; produced lazily.
 */
function* statedump(ctx: CommandContext): Iterable<string> {
	const { supervisor } = ctx;
	for (const handle of supervisor.handles.sorted()) {
		if (supervisor.handles.get(handle.name) !== handle) continue; // replaced or deleted meanwhile
		yield formatEvent(handleStateEvent(handle));
	}
	for (const name of supervisor.serviceNames()) {
		const record = supervisor.service(name);
		if (!record) continue;
		const withStatus = ctx.controller.subscriptions.matches('service.status', name);
		for (const event of supervisor.serviceDump(record, withStatus)) yield formatEvent(event);
		// The extension line, for a connection that subscribed to service.mode by name (never 1.1).
		if (ctx.controller.subscriptions.matches('service.mode', name)) yield formatEvent(supervisor.modeEvent(record));
	}
	for (const counter of supervisor.signals.pendingList()) yield formatEvent(signalEvent(counter));
	ctx.controller.delivery.signalMark = supervisor.signals.newestSeq;
}

function chdir(ctx: CommandContext): void {
	const [path, extra] = ctx.args;
	if (path === undefined) return ctx.fail(MSG.missingPath);
	if (extra !== undefined) return ctx.fail(MSG.unexpectedAfterPath);
	const failure = ctx.host.process.chdir(path);
	if (failure !== null) ctx.fail(callFailed('chdir', failure));
}

function exit(ctx: CommandContext): void {
	ctx.controller.exit();
}

function logFilter(ctx: CommandContext): void {
	const level = ctx.args[0];
	const { log } = ctx;
	if (level === '+') log.adjust(1);
	else if (level === '-') log.adjust(-1);
	else if (level !== undefined) {
		const parsed = parseLogLevel(level);
		if (parsed === undefined) return ctx.fail(MSG.invalidLoglevel);
		log.filter = parsed;
	}
	ctx.reply(`log.filter\t${log.filter}`);
}

function logDest(ctx: CommandContext): void {
	const [type, name] = ctx.args;
	if (type === undefined) return ctx.fail(MSG.missingArgument);
	if (type !== 'fd') return ctx.fail(MSG.unknownLoggingType);
	const check = checkName(name);
	if (check !== 'ok') return ctx.fail(check === 'absent' ? MSG.expectedFdName : MSG.invalidFdName);
	if (!ctx.host.process.followLog(name as string)) ctx.reply(fdDoesNotExistWarning(name as string));
}

function logReopen(ctx: CommandContext): void {
	if (ctx.args.length > 0 && !(ctx.args.length === 1 && ctx.args[0] === ''))
		return ctx.fail(EXT_MSG.unexpectedArguments);
	const problem = ctx.host.process.reopenLog();
	if (problem !== null) ctx.fail(problem);
}

function connEventTimeout(ctx: CommandContext): void {
	const reset = parseInteger(ctx.args[0]);
	const close = parseInteger(ctx.args[1]);
	if (reset === null || close === null) return ctx.fail(MSG.expectedInteger);
	if (reset < 0n || close < 0n || reset > MAX_TIMEOUT_SECONDS || close > MAX_TIMEOUT_SECONDS)
		return ctx.fail(MSG.invalidTimeout);
	if (reset > close) return ctx.fail(MSG.resetGreaterThanClose);
	ctx.controller.setTimeouts({ resetSec: Number(reset), closeSec: Number(close) });
}

function signalClear(ctx: CommandContext): void {
	const signal = parseSignalArgument(ctx.args[0]);
	if (!signal.ok) return ctx.fail(signal.message);
	const count = parseInteger(ctx.args[1]);
	if (count === null) return ctx.fail(MSG.expectedInteger);
	// 1.1 added a negative count to the pending count: refused instead.
	if (count < 0n) return ctx.fail(EXT_MSG.negativeCount);
	ctx.supervisor.signals.clear(signal.signal, count);
}

function terminateExecArgs(ctx: CommandContext): void {
	// exec(2) cannot pass a NUL inside an argument: refused before anything changes.
	if (ctx.args.some(arg => arg.includes('\0'))) return ctx.fail(EXT_MSG.nulInArgument);
	ctx.host.process.execOnExit = listArgument(ctx.args).length === 0 ? null : [...ctx.args];
}

function terminateGuard(ctx: CommandContext): void {
	const [sign, codeField] = ctx.args;
	if (sign !== '+' && sign !== '-') return ctx.fail(MSG.expectedPlusMinus);
	const code = parseInteger(codeField);
	if (code === null) return ctx.fail(MSG.expectedInteger);
	if (code === 0n) return ctx.fail(MSG.codeCannotBeZero);
	const state = ctx.host.process;
	if (sign === '+') {
		if (state.guard !== 0n) return ctx.fail(MSG.guardAlreadySet);
		state.guard = code;
	} else {
		if (state.guard === 0n) return ctx.fail(MSG.guardNotSet);
		if (state.guard !== code) return ctx.fail(MSG.incorrectGuardCode);
		state.guard = 0n;
	}
}

function terminate(ctx: CommandContext): void {
	const [exitField, guardField] = ctx.args;
	const exitCode = parseInteger(exitField);
	if (exitCode === null) return ctx.fail(MSG.expectedInteger);
	const state = ctx.host.process;
	if (state.guard !== 0n) {
		const code = parseInteger(guardField);
		if (code === null) return ctx.fail(MSG.guardCodeRequired);
		if (code !== state.guard) return ctx.fail(MSG.incorrectTerminateGuardCode);
		if (!state.execOnExit) return ctx.fail(MSG.cannotExitNoExec);
	}
	// Exit statuses are 8 bits: -1 → 255, 256 → 0, 300 → 44.
	state.requestExit(Number(BigInt.asUintN(8, exitCode)), 'terminated normally');
}

function socketCreate(ctx: CommandContext): void {
	const [options, path] = ctx.args;
	if (options === undefined || path === undefined) return ctx.fail(MSG.missingArgument);
	if (options !== '' && options !== '-') return ctx.fail(MSG.invalidOptions);
	if (!ctx.host.process.openControlSocket(path)) ctx.fail(MSG.failedControlSocket);
}

function socketDelete(ctx: CommandContext): void {
	ctx.host.process.closeControlSocket();
}

export const daemonCommands = {
	echo: echo,
	statedump: statedump,
	chdir: chdir,
	exit: exit,
	'log.filter': logFilter,
	'log.dest': logDest,
	'log.reopen': logReopen,
	'conn.event_timeout': connEventTimeout,
	'signal.clear': signalClear,
	'terminate.exec_args': terminateExecArgs,
	'terminate.guard': terminateGuard,
	terminate: terminate,
	'socket.create': socketCreate,
	'socket.delete': socketDelete,
} as const satisfies Partial<Record<Verb, CommandHandler>>;
