// The daemonproxy command: parse options (spec §13.2), then the startup sequence of §13.4
// (umask, handles, signals, control socket, interactive controller, config reader) and hand
// over to the event loop. Exit statuses follow §13.10. Never writes to process.stdout/stderr
// after startup (Node writes them synchronously): the log goes through the logger.

import { existsSync, readFileSync, writeSync } from 'node:fs';
import { COUNTED_SIGNALS, signalNumber } from '../protocol/signals.js';
import { Logger } from '../supervisor/logger.js';
import type { ProcessHost } from '../supervisor/supervisor.js';
import * as sys from '../supervisor/sys.js';
import { checkRuleSpec, loadAccounts, ruleFromSpec } from './auth-accounts.js';
import { parseCommandLine, type DaemonOptions, type ExtensionOption } from './cli-options.js';
import { COMMAND_HIGH_WATER_BYTES, EVENT_LIMIT_BYTES } from './controller.js';
import { Daemon, DEFAULT_MAX_CONTROLLERS, type DaemonSettings } from './daemon.js';
import { DEFAULT_EVENT_HISTORY, MAX_EVENT_HISTORY } from './event-ring.js';
import { helpText, versionText } from './help-text.js';
import { openPrivateReader, openPrivateWriter } from './private-writer.js';
import { parseInheritedFds, replaceWithNull, seedStartupHandles } from './startup-handles.js';

/** §13.10 */
const EXIT_ENVIRONMENT = 3;
const EXIT_BAD_OPTIONS = 2;

export function version(): string {
	const url = new URL('../../../package.json', import.meta.url);
	return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

const MAX_CONTROLLERS_LIMIT = 65536;
const MIN_OUTPUT_BYTES = 1024;
const MAX_OUTPUT_BYTES = 1 << 30;

function integerIn(name: string, low: number, high: number): (value: string) => string | null {
	return value => /^[0-9]{1,10}$/.test(value) && Number(value) >= low && Number(value) <= high
		? null
		: `--${name} expects an integer from ${low} to ${high}, not "${value}"`;
}

/** The control-server options (design §2–§3), beyond those of 1.1. */
export const SERVER_OPTIONS: readonly ExtensionOption[] = [
	{ long: 'allow', valueName: 'ROLE:SEL', description: 'Grant ROLE (admin, operator, observer) to uid=N, gid=N, user=NAME, group=NAME', validate: value => checkRuleSpec(value) },
	{ long: 'socket-mode', valueName: 'MODE', description: 'File mode of a control socket path, in octal (default 0600)', validate: value => /^0?[0-7]{3}$/.test(value) ? null : `--socket-mode expects an octal mode such as 0660, not "${value}"` },
	{ long: 'max-controllers', valueName: 'N', description: `At most N controllers at once (default ${DEFAULT_MAX_CONTROLLERS})`, validate: integerIn('max-controllers', 1, MAX_CONTROLLERS_LIMIT) },
	{ long: 'event-history', valueName: 'EVENTS', description: `Events kept for events.resume (default ${DEFAULT_EVENT_HISTORY})`, validate: integerIn('event-history', 0, MAX_EVENT_HISTORY) },
	{ long: 'output-high-water', valueName: 'BYTES', description: `A controller's commands wait above this much unread output (default ${COMMAND_HIGH_WATER_BYTES})`, validate: integerIn('output-high-water', MIN_OUTPUT_BYTES, MAX_OUTPUT_BYTES) },
	{ long: 'event-queue-limit', valueName: 'BYTES', description: `Events are dropped above this much unread output (default ${EVENT_LIMIT_BYTES})`, validate: integerIn('event-queue-limit', MIN_OUTPUT_BYTES, MAX_OUTPUT_BYTES) },
];

/** The last value given for a (validated) extension option. */
function lastValue(options: DaemonOptions, name: string): string | undefined {
	return options.extensions.get(name)?.at(-1);
}

function lastNumber(options: DaemonOptions, name: string, radix = 10): number | undefined {
	const value = lastValue(options, name);
	return value === undefined ? undefined : Number.parseInt(value, radix);
}

function serverSettings(options: DaemonOptions): Omit<DaemonSettings, 'log' | 'clock' | 'host'> {
	const mode = lastNumber(options, 'socket-mode', 8);
	const maxControllers = lastNumber(options, 'max-controllers');
	const eventHistory = lastNumber(options, 'event-history');
	return {
		...(maxControllers === undefined ? {} : { maxControllers }),
		...(eventHistory === undefined ? {} : { eventHistory }),
		...(mode === undefined ? {} : { socketOptions: { mode } }),
		outputLimits: {
			highWaterBytes: lastNumber(options, 'output-high-water') ?? COMMAND_HIGH_WATER_BYTES,
			eventLimitBytes: lastNumber(options, 'event-queue-limit') ?? EVENT_LIMIT_BYTES,
		},
	};
}

const clock = { now: (): number => Number(process.hrtime.bigint()) / 1e6 };

const host: ProcessHost = {
	spawn(plan) {
		try {
			return { ok: true, pid: sys.spawn({ file: plan.argv[0] ?? '', argv: [...plan.argv], fds: [...plan.fds] }) };
		} catch (error: unknown) {
			const { code = 'EIO', message } = error as sys.SysError;
			return { ok: false, code, message };
		}
	},
	kill(pid, signal) {
		sys.kill(pid, signal);
	},
};

function banner(): string[] {
	return [
		`info\tdaemonproxy version ${version()} (TypeScript, node ${process.version})`,
		'info\tCopyright (C) the daemonproxy authors',
		'info\tThis program comes with ABSOLUTELY NO WARRANTY.',
		'info\tThis is free software, and you are welcome to redistribute it',
		'info\tunder the terms of the GNU General Public License, version 2 or later.',
		'info\tType "statedump" to see the current state; see daemonproxy(8) for all commands.',
	];
}

export function main(argv: readonly string[] = process.argv.slice(2)): void {
	process.umask(0o077);
	// Read once and removed, so that services do not inherit it.
	const inherited = parseInheritedFds(process.env['DAEMONPROXY_INHERITED_FDS']);
	delete process.env['DAEMONPROXY_INHERITED_FDS'];
	const isPid1 = process.pid === 1;
	const log = new Logger();
	const parsed = parseCommandLine(argv, { isPid1, fileExists: path => existsSync(Buffer.from(path, 'latin1')) }, SERVER_OPTIONS);
	const { options, stop } = parsed;
	log.adjust(options.logLevelDelta);
	const daemon = new Daemon({ log, clock, host, ...serverSettings(options) });
	daemon.logToStderr();
	daemon.guard = options.exitGuard;
	daemon.execOnExit = options.exitExec;
	for (const warning of parsed.warnings) log.warning(warning);
	for (const message of parsed.continuedFatals) log.fatal(`(attempting to continue) ${message}`);

	if (stop) {
		if (stop.kind === 'fatal') {
			if (daemon.execOnExit) daemon.exitNow(stop.status, stop.message);
			log.fatal(stop.message);
		} else {
			if (daemon.execOnExit) daemon.exitNow(stop.status, '');
			writeSync(1, stop.kind === 'help' ? helpText(version(), SERVER_OPTIONS) : versionText(version()));
		}
		process.exit(stop.status);
	}
	start(daemon, options, isPid1, inherited);
}

/** §13.5: a fatal startup condition; with a guard set the daemon carries on regardless. */
function fatal(daemon: Daemon, status: number, message: string): void {
	if (daemon.guard !== 0n) {
		if (daemon.execOnExit) daemon.exitNow(status, message);
		daemon.log.fatal(`(attempting to continue) ${message}`);
		return;
	}
	if (daemon.execOnExit) daemon.exitNow(status, message);
	daemon.log.fatal(message);
	process.exit(status);
}

function start(daemon: Daemon, options: DaemonOptions, isPid1: boolean, inherited: readonly number[]): void {
	const { log, supervisor } = daemon;
	seedStartupHandles(supervisor.handles, inherited);

	for (const name of COUNTED_SIGNALS) {
		const signal = signalNumber(name);
		if (signal !== undefined) process.on(name, () => supervisor.signalArrived(signal));
	}
	sys.onChildExit(reaped => supervisor.childrenExited(reaped));
	if (isPid1) log.info('running as process 1: reaping orphans, exit guard set');

	// Names are looked up once, now; an unknown one is a command-line error (design §2).
	const grants = options.extensions.get('allow') ?? [];
	const accounts = grants.length > 0 ? loadAccounts() : null;
	for (const spec of grants) {
		const rule = accounts && ruleFromSpec(spec, accounts);
		if (typeof rule === 'string') fatal(daemon, EXIT_BAD_OPTIONS, `--allow ${spec}: ${rule}`);
		else if (rule) daemon.addRule(rule);
	}

	if (options.daemonize) {
		fatal(daemon, 2, '--daemonize is not supported yet by this version; run it under a service manager, or with setsid and a pid file');
	}
	if (options.socket !== null && !daemon.createControlSocket(options.socket)) {
		fatal(daemon, EXIT_ENVIRONMENT, "Can't create controller socket");
	}

	if (options.interactive) {
		try {
			const input = openPrivateReader(0);
			const output = openPrivateWriter(1);
			replaceWithNull(supervisor.handles, ['stdin', 'stdout']);
			const controller = daemon.addController('interactive', input, output);
			for (const line of banner()) controller?.send(line);
		} catch (error: unknown) {
			log.error(`interactive setup: ${(error as Error).message}`);
			fatal(daemon, EXIT_ENVIRONMENT, 'stdin/stdout are not usable!');
		}
	}

	if (options.config !== null) {
		const path = options.config;
		try {
			const fd = path === '-' ? openPrivateReader(0) : sys.openFile(path, { read: true, write: false, append: false, create: false, trunc: false, nonblock: true });
			if (path === '-') replaceWithNull(supervisor.handles, ['stdin']);
			daemon.addController('config', fd, null);
		} catch (error: unknown) {
			log.error(path === '-' ? 'stdin not available' : `Failed to open config file "${path}": ${(error as Error).message}`);
			fatal(daemon, EXIT_ENVIRONMENT, 'Unable to process config file');
		}
	}

	if (options.mlockall) {
		try {
			sys.mlockall();
		} catch (error: unknown) {
			log.error(`mlockall: ${(error as Error).message}`);
		}
	}
}
