// The daemonproxy command: parse options (spec §13.2), then the startup sequence of §13.4
// (umask, handles, signals, control socket, interactive controller, config reader) and hand
// over to the event loop. Exit statuses follow §13.10. Never writes to process.stdout/stderr
// after startup (Node writes them synchronously): the log goes through the logger.

import { existsSync, readFileSync, writeSync } from 'node:fs';
import { COUNTED_SIGNALS, signalNumber } from '../protocol/signals.js';
import { Logger } from '../supervisor/logger.js';
import type { ProcessHost } from '../supervisor/supervisor.js';
import * as sys from '../supervisor/sys.js';
import { parseCommandLine, type DaemonOptions } from './cli-options.js';
import { Daemon } from './daemon.js';
import { helpText, versionText } from './help-text.js';
import { openPrivateReader, openPrivateWriter } from './private-writer.js';
import { parseInheritedFds, replaceWithNull, seedStartupHandles } from './startup-handles.js';

/** §13.10 */
const EXIT_ENVIRONMENT = 3;

export function version(): string {
	const url = new URL('../../../package.json', import.meta.url);
	return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
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
	const parsed = parseCommandLine(argv, { isPid1, fileExists: path => existsSync(Buffer.from(path, 'latin1')) });
	const { options, stop } = parsed;
	log.adjust(options.logLevelDelta);
	const daemon = new Daemon({ log, clock, host });
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
			writeSync(1, stop.kind === 'help' ? helpText(version()) : versionText(version()));
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
