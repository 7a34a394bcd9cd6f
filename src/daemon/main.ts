// The daemonproxy command: parse options, then the startup sequence (umask, handles and pools,
// signals, control socket, interactive controller, config reader, mlockall, daemonize) and hand
// over to the event loop. Exit statuses follow daemonproxy(8) EXIT STATUS; every exit path goes
// through exit-paths.ts (guard, exec-on-exit). Never writes to process.stdout/stderr after
// startup (Node writes them synchronously): the log goes through the logger.

import { existsSync, readFileSync, writeSync } from 'node:fs';
import { wireFromArg } from '../protocol/fields.js';
import { Logger } from '../supervisor/logger.js';
import { DEFAULT_OUTPUT_LINES, MAX_OUTPUT_LINES } from '../supervisor/output-ring.js';
import { POOL_MESSAGES } from '../supervisor/pools.js';
import * as sys from '../os/sys.js';
import { sdNotify, takeNotifySocket } from './systemd-notify.js';
import { checkRuleSpec, loadAccounts, ruleFromSpec } from '../server/auth-accounts.js';
import { rulesBlockedByMode, type Rule } from '../server/auth-policy.js';
import type { ExtensionOption } from './cli-option-table.js';
import { parseCommandLine, type DaemonOptions } from './cli-options.js';
import {
	COMMAND_HIGH_WATER_BYTES,
	DEFAULT_ADMIN_CONTROLLERS,
	DEFAULT_MAX_CONTROLLERS,
	DEFAULT_MAX_CONTROLLERS_PER_UID,
	EVENT_LIMIT_BYTES,
	PEER_LOG_INTERVAL_MS,
	STREAM_LINES_PER_TURN,
} from '../server/limits.js';
import { COUNTED_SIGNALS, signalNumber } from '../protocol/signals.js';
import { DEFAULT_STOP_TIMEOUT_SECONDS } from './shutdown.js';
import { parseHealthListen, startHealthServer } from './health-server.js';
import { Daemon, type DaemonSettings } from './daemon.js';
import { launch, Readiness, takeReadinessFd } from './daemonize.js';
import { DEFAULT_EVENT_HISTORY, MAX_EVENT_HISTORY } from '../server/event-ring.js';
import { EXIT_STATUS } from './exit-status.js';
import { EXTRA_COUNTED_SIGNALS, installSignalHandling } from './fatal-signals.js';
import { helpText, versionText, type BuildInfo } from './help-text.js';
import { openPrivateReader, openPrivateWriter } from '../os/private-writer.js';
import { parseInheritedFds, replaceWithNull, seedStartupHandles } from './startup-handles.js';
import { closeFd, systemClock, SystemHost } from './system-ports.js';
import { CgroupTree, detectDelegatedCgroup } from '../os/cgroup.js';

export function version(): string {
	const url = new URL('../../../package.json', import.meta.url);
	return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/** What `npm run build` recorded (scripts/build-info.js), beside the compiled sources; null if nothing. */
function buildInfo(): BuildInfo | null {
	try {
		return JSON.parse(readFileSync(new URL('../build-info.json', import.meta.url), 'utf8')) as BuildInfo;
	} catch {
		return null;
	}
}

const MAX_CONTROLLERS_LIMIT = 65536;
const MIN_OUTPUT_BYTES = 1024;
const MAX_OUTPUT_BYTES = 1 << 30;

function integerIn(name: string, low: number, high: number): (value: string) => string | null {
	return value =>
		/^[0-9]{1,10}$/.test(value) && Number(value) >= low && Number(value) <= high
			? null
			: `--${name} expects an integer from ${low} to ${high}, not "${value}"`;
}

/** The validator of a parser that returns its error as a string. */
function errorOf(parse: (value: string) => unknown): (value: string) => string | null {
	return value => {
		const parsed = parse(value);
		return typeof parsed === 'string' ? parsed : null;
	};
}

/** `--shutdown-on TERM,INT`: signal numbers, each one daemonproxy counts; or the error text. */
export function parseShutdownSignals(value: string): number[] | string {
	const catchable = new Set<string>([...COUNTED_SIGNALS, ...EXTRA_COUNTED_SIGNALS]);
	const signals: number[] = [];
	for (const word of value.split(',')) {
		const name = word.startsWith('SIG') ? word : `SIG${word}`;
		const signal = signalNumber(name);
		if (!catchable.has(name) || signal === undefined)
			return `--shutdown-on expects signals from ${[...catchable].map(n => n.slice(3)).join(', ')}, not "${word}"`;
		signals.push(signal);
	}
	return signals;
}

/** The control-server options, beyond those of 1.1 (daemonproxy(8), OPTIONS). */
export const SERVER_OPTIONS: readonly ExtensionOption[] = [
	{
		long: 'allow',
		valueName: 'ROLE:SEL',
		description: 'Grant ROLE (admin, operator, observer) to uid=N, gid=N, user=NAME, group=NAME',
		validate: value => checkRuleSpec(value),
	},
	{
		long: 'socket-mode',
		valueName: 'MODE',
		description: 'File mode of a control socket path, in octal (default 0600)',
		validate: value =>
			/^0?[0-7]{3}$/.test(value) ? null : `--socket-mode expects an octal mode such as 0660, not "${value}"`,
	},
	{
		long: 'max-controllers',
		valueName: 'N',
		description: `At most N control-socket connections at once (default ${DEFAULT_MAX_CONTROLLERS})`,
		validate: integerIn('max-controllers', 1, MAX_CONTROLLERS_LIMIT),
	},
	{
		long: 'max-controllers-per-uid',
		valueName: 'N',
		description: `At most N connections per uid below role admin (default ${DEFAULT_MAX_CONTROLLERS_PER_UID})`,
		validate: integerIn('max-controllers-per-uid', 1, MAX_CONTROLLERS_LIMIT),
	},
	{
		long: 'admin-controllers',
		valueName: 'N',
		description: `Keep N of the connections for admins (default ${DEFAULT_ADMIN_CONTROLLERS})`,
		validate: integerIn('admin-controllers', 0, MAX_CONTROLLERS_LIMIT),
	},
	{
		long: 'event-history',
		valueName: 'EVENTS',
		description: `Events kept for events.resume (default ${DEFAULT_EVENT_HISTORY})`,
		validate: integerIn('event-history', 0, MAX_EVENT_HISTORY),
	},
	{
		long: 'output-high-water',
		valueName: 'BYTES',
		description: `A controller's commands wait above this much unread output (default ${COMMAND_HIGH_WATER_BYTES})`,
		validate: integerIn('output-high-water', MIN_OUTPUT_BYTES, MAX_OUTPUT_BYTES),
	},
	{
		long: 'event-queue-limit',
		valueName: 'BYTES',
		description: `Events are dropped above this much unread output (default ${EVENT_LIMIT_BYTES})`,
		validate: integerIn('event-queue-limit', MIN_OUTPUT_BYTES, MAX_OUTPUT_BYTES),
	},
	{
		long: 'output-lines',
		valueName: 'LINES',
		description: `Captured output lines kept per service (default ${DEFAULT_OUTPUT_LINES})`,
		validate: integerIn('output-lines', 1, MAX_OUTPUT_LINES),
	},
	{
		long: 'log-file',
		valueName: 'PATH',
		description: 'Log to this file (appended; log.reopen opens it again after a rotation)',
	},
	{
		long: 'log-timestamps',
		valueName: '',
		flag: true,
		description: 'Start every log line with the UTC time',
	},
	{
		long: 'stream-lines-per-turn',
		valueName: 'N',
		description: `Statedump/resume lines produced per loop turn, all connections together (default ${STREAM_LINES_PER_TURN})`,
		validate: integerIn('stream-lines-per-turn', 1, 1 << 20),
	},
	{
		long: 'peer-log-interval',
		valueName: 'SECONDS',
		description: `Log a uid's refusals and failed commands once per SECONDS, then a count (default ${PEER_LOG_INTERVAL_MS / 1000})`,
		validate: integerIn('peer-log-interval', 1, 86_400),
	},
	{
		long: 'shutdown-on',
		valueName: 'SIG[,SIG…]',
		description: 'On these signals stop every service (TERM, then KILL) and exit',
		validate: errorOf(parseShutdownSignals),
	},
	{
		long: 'stop-timeout',
		valueName: 'SECONDS',
		description: `In a shutdown, SIGKILL what still runs after SECONDS (default ${DEFAULT_STOP_TIMEOUT_SECONDS})`,
		validate: integerIn('stop-timeout', 0, 86_400),
	},
	{
		long: 'health-listen',
		valueName: '[ADDR:]PORT',
		description: 'Serve HTTP /livez and /readyz there (loopback unless ADDR is given)',
		validate: errorOf(parseHealthListen),
	},
	{
		long: 'allow-foreign-pidns',
		valueName: '',
		flag: true,
		description: "Let peers outside daemonproxy's PID namespace (SO_PEERCRED pid 0) have roles",
	},
	{
		long: 'cgroup',
		valueName: 'PATH',
		description: 'Run each service in a cgroup v2 under PATH (auto: a delegated one; off: none)',
		validate: value =>
			value === 'auto' || value === 'off' || value.startsWith('/')
				? null
				: `--cgroup expects an absolute path, auto or off, not "${value}"`,
	},
	{
		long: 'subreaper',
		valueName: '',
		flag: true,
		description: 'Reap orphaned descendants when not process 1 (PR_SET_CHILD_SUBREAPER)',
	},
];

/** The last value given for a (validated) extension option. */
function lastValue(options: DaemonOptions, name: string): string | undefined {
	return options.extensions.get(name)?.at(-1);
}

function lastNumber(options: DaemonOptions, name: string, radix = 10): number | undefined {
	const value = lastValue(options, name);
	return value === undefined ? undefined : Number.parseInt(value, radix);
}

function serverSettings(options: DaemonOptions): Omit<DaemonSettings, 'log' | 'clock' | 'host' | 'closeFd'> {
	const mode = lastNumber(options, 'socket-mode', 8);
	const maxControllers = lastNumber(options, 'max-controllers');
	const maxControllersPerUid = lastNumber(options, 'max-controllers-per-uid');
	const adminControllers = lastNumber(options, 'admin-controllers');
	const eventHistory = lastNumber(options, 'event-history');
	const outputLines = lastNumber(options, 'output-lines');
	const streamLinesPerTurn = lastNumber(options, 'stream-lines-per-turn');
	const peerLogSeconds = lastNumber(options, 'peer-log-interval');
	const shutdownOn = lastValue(options, 'shutdown-on');
	const shutdownSignals = shutdownOn === undefined ? [] : parseShutdownSignals(shutdownOn);
	const stopTimeoutSeconds = lastNumber(options, 'stop-timeout');
	return {
		...(typeof shutdownSignals === 'string' ? {} : { shutdownSignals }),
		...(stopTimeoutSeconds === undefined ? {} : { stopTimeoutSeconds }),
		...(options.extensions.has('allow-foreign-pidns') ? { allowForeignPidns: true } : {}),
		...(outputLines === undefined ? {} : { outputLines }),
		...(streamLinesPerTurn === undefined ? {} : { streamLinesPerTurn }),
		...(peerLogSeconds === undefined ? {} : { peerLogIntervalMs: peerLogSeconds * 1000 }),
		...(maxControllers === undefined ? {} : { maxControllers }),
		...(maxControllersPerUid === undefined ? {} : { maxControllersPerUid }),
		...(adminControllers === undefined ? {} : { adminControllers }),
		...(eventHistory === undefined ? {} : { eventHistory }),
		...(mode === undefined ? {} : { socketOptions: { mode } }),
		outputLimits: {
			highWaterBytes: lastNumber(options, 'output-high-water') ?? COMMAND_HIGH_WATER_BYTES,
			eventLimitBytes: lastNumber(options, 'event-queue-limit') ?? EVENT_LIMIT_BYTES,
		},
	};
}

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

export function main(argv: readonly string[] = process.argv.slice(2).map(wireFromArg)): void {
	nameProcess();
	process.umask(0o077);
	// Read once and removed, so that services do not inherit them.
	const inherited = parseInheritedFds(process.env['DAEMONPROXY_INHERITED_FDS']);
	delete process.env['DAEMONPROXY_INHERITED_FDS'];
	const notifySocket = takeNotifySocket();
	const readiness = new Readiness(takeReadinessFd());
	const isPid1 = process.pid === 1;
	const log = new Logger();
	const parsed = parseCommandLine(
		argv,
		{ isPid1, fileExists: path => existsSync(Buffer.from(path, 'latin1')) },
		SERVER_OPTIONS,
	);
	const { options, stop } = parsed;
	log.adjust(options.logLevelDelta);
	const host = new SystemHost();
	const daemon = new Daemon({ log, clock: systemClock, host, closeFd, ...serverSettings(options) });
	if (options.extensions.has('log-timestamps')) log.setTimestamps(sys.wallClockMs);
	const logFile = lastValue(options, 'log-file');
	const logFileProblem = logFile === undefined ? null : daemon.logDestination.toFile(logFile);
	if (logFile === undefined || logFileProblem !== null) daemon.logDestination.toStderr();
	daemon.guard = options.exitGuard;
	daemon.execOnExit = options.exitExec;
	// A daemon started by `-D` tells its launcher how its startup ended (daemonize.ts).
	daemon.exits.onEnd((kind, status) => readiness.ended(kind, status));

	if (stop) {
		if (stop.kind === 'fatal') {
			daemon.exits.tryExec(stop.status, stop.message);
			log.fatal(stop.message);
		} else {
			daemon.exits.tryExec(stop.status, '');
			writeSync(1, stop.kind === 'help' ? helpText(version(), SERVER_OPTIONS) : versionText(version(), buildInfo()));
		}
		process.exit(stop.status);
	}
	// -D: this process only launches the daemon (the same command as a new session) and exits.
	if (options.daemonize && !readiness.pending) launch(argv);
	if (logFile !== undefined && logFileProblem !== null)
		fatal(daemon, EXIT_STATUS.badOptions, `--log-file ${logFile}: ${logFileProblem}`);
	for (const warning of parsed.warnings) log.warning(warning);
	for (const message of parsed.continuedFatals) log.fatal(`(attempting to continue) ${message}`);
	const configRead = start(daemon, host, options, isPid1, inherited, readiness);
	// systemd Type=notify: ready once the config file has been read to its end.
	if (notifySocket !== null) {
		const ready = (): void => sdNotify(notifySocket, 'READY=1', log);
		if (configRead) configRead.then(ready, () => {});
		else ready();
	}
}

/**
 * Shows the process as 1.1 did: `daemonproxy ARGS…` in `ps -ef` (the title), and exactly
 * `daemonproxy` in /proc/PID/comm for `ps -o comm`, `pidof` and `pgrep -x` (not `node`). The
 * title first: libuv also sets comm from it, cut to 15 bytes.
 */
function nameProcess(): void {
	process.title = ['daemonproxy', ...process.argv.slice(2)].join(' ');
	sys.setProcessName('daemonproxy');
}

/** A fatal startup condition: exec-on-exit, else exit, unless a guard says carry on. */
function fatal(daemon: Daemon, status: number, message: string): void {
	daemon.exits.fatal(status, message);
}

function start(
	daemon: Daemon,
	host: SystemHost,
	options: DaemonOptions,
	isPid1: boolean,
	inherited: readonly number[],
	readiness: Readiness,
): Promise<void> | null {
	const { log, supervisor } = daemon;
	// Settles when the config controller has read its input to the end.
	let configRead: Promise<void> | null = null;
	supervisor.handles.setPool(options.fdPool);
	supervisor.setServicePool(options.servicePool);
	seedStartupHandles(supervisor.handles, inherited);
	if (options.fdPool && supervisor.handles.size > options.fdPool.count)
		fatal(daemon, EXIT_STATUS.badOptions, POOL_MESSAGES.startupFds);

	installSignalHandling({
		log,
		exits: daemon.exits,
		counted: signal => {
			supervisor.signalArrived(signal); // the `signal` event first: controllers hear why
			daemon.shutdown.signalArrived(signal);
		},
	});
	sys.onChildExit(reaped => supervisor.childrenExited(reaped));
	if (isPid1) {
		log.info(`running as process 1: reaping orphans${daemon.guard !== 0n ? ', exit guard set' : ''}`);
	} else if (options.extensions.has('subreaper')) {
		try {
			sys.setChildSubreaper();
			log.info('child subreaper: orphaned descendants are reaped by daemonproxy');
		} catch (error: unknown) {
			log.error(`prctl(PR_SET_CHILD_SUBREAPER): ${(error as Error).message}`);
		}
	}

	setUpCgroup(daemon, host, lastValue(options, 'cgroup') ?? 'auto');

	// Names are looked up once, now; an unknown one is a command-line error.
	const grants = options.extensions.get('allow') ?? [];
	const accounts = grants.length > 0 ? loadAccounts() : null;
	const rules: Rule[] = [];
	for (const spec of grants) {
		const rule = accounts && ruleFromSpec(spec, accounts);
		if (typeof rule === 'string') fatal(daemon, EXIT_STATUS.badOptions, `--allow ${spec}: ${rule}`);
		else if (rule) {
			daemon.addRule(rule);
			rules.push(rule);
		}
	}

	for (const name of options.sockets) {
		if (!daemon.addControlSocket(name)) fatal(daemon, EXIT_STATUS.environment, "Can't create controller socket");
	}
	if (options.sockets.some(name => !name.startsWith('@'))) warnBlockedRules(log, rules, options);

	if (options.interactive) {
		try {
			const input = openPrivateReader(0);
			const output = openPrivateWriter(1);
			replaceWithNull(supervisor.handles, ['stdin', 'stdout']);
			const controller = daemon.addController('interactive', input, output);
			for (const line of banner()) controller.send(line);
		} catch (error: unknown) {
			log.error(`interactive setup: ${(error as Error).message}`);
			fatal(daemon, EXIT_STATUS.environment, 'stdin/stdout are not usable!');
		}
	}

	if (options.config !== null) {
		const path = options.config;
		try {
			const fd =
				path === '-'
					? openPrivateReader(0)
					: sys.openFile(path, {
							read: true,
							write: false,
							append: false,
							create: false,
							trunc: false,
							nonblock: true,
						});
			if (path === '-') replaceWithNull(supervisor.handles, ['stdin']);
			configRead = new Promise(resolve => daemon.addController('config', fd, null, resolve));
		} catch (error: unknown) {
			log.error(
				path === '-' ? 'stdin not available' : `Failed to open config file "${path}": ${(error as Error).message}`,
			);
			fatal(daemon, EXIT_STATUS.environment, 'Unable to process config file');
		}
	}

	if (options.mlockall) lockMemory(daemon);

	const healthListen = options.extensions.get('health-listen')?.at(-1);
	if (healthListen !== undefined) startProbes(daemon, healthListen);

	// -D: /dev/null on descriptors 0–2 and on the stdin/stdout/stderr handles, the log
	// held until log.dest, then the launcher hears `ready` and prints our pid.
	readiness.ready(() => {
		replaceWithNull(supervisor.handles, ['stdin', 'stdout', 'stderr']);
		daemon.logDestination.pause();
	});
	return configRead;
}

/** An --allow rule that the socket's file mode makes useless is a mistake worth a warning at start. */
function warnBlockedRules(log: Logger, rules: readonly Rule[], options: DaemonOptions): void {
	const mode = lastNumber(options, 'socket-mode', 8) ?? 0o600;
	const octal = `0${mode.toString(8).padStart(3, '0')}`;
	for (const rule of rulesBlockedByMode(rules, process.geteuid?.() ?? 0, mode)) {
		log.warning(
			`--allow ${rule.source} cannot take effect: the control socket's mode ${octal} lets only its owner ` +
				'(and root) connect; give --socket-mode 0660 (with the socket in a group of theirs) or 0666',
		);
	}
}

/** `--health-listen`: the HTTP probes, loaded only now (health-server.ts imports node:http lazily). */
function startProbes(daemon: Daemon, value: string): void {
	const where = parseHealthListen(value);
	if (typeof where === 'string') return; // validated with the options
	const source = {
		notReady: () => daemon.notReady(),
		shuttingDown: () => daemon.shutdown.underWay,
	};
	startHealthServer(where, source, daemon.log).catch((error: unknown) =>
		daemon.log.error(`health endpoint: ${(error as Error).message}`),
	);
}

/**
 * --cgroup: PATH is required to work (a failure is fatal); `auto` uses a delegated cgroup when
 * there is one and otherwise falls back to process groups quietly; `off` never uses cgroups.
 */
function setUpCgroup(daemon: Daemon, host: SystemHost, option: string): void {
	if (option === 'off') return;
	const path = option === 'auto' ? detectDelegatedCgroup() : option;
	if (path === null) {
		daemon.log.debug('no delegated cgroup v2: service trees are process groups');
		return;
	}
	try {
		const tree = new CgroupTree(path);
		host.useCgroup(tree);
		const controllers = tree.controllers.length > 0 ? tree.controllers.join(', ') : 'none';
		daemon.log.info(`cgroup: services run in ${tree.root}/services/NAME (controllers: ${controllers})`);
	} catch (error: unknown) {
		const message = `--cgroup ${path}: ${(error as Error).message}`;
		if (option === 'auto') daemon.log.warning(`${message}; service trees are process groups`);
		else fatal(daemon, EXIT_STATUS.environment, message);
	}
}

/**
 * -M: lock memory so the daemon is never paged out. Pages are locked as they are touched
 * (MCL_ONFAULT), else all at once; a failure is only logged, as in 1.1.
 */
function lockMemory(daemon: Daemon): void {
	try {
		sys.mlockallOnFault();
		return;
	} catch (error: unknown) {
		if ((error as sys.SysError).code !== 'EINVAL') {
			daemon.log.error(`mlockall: ${(error as Error).message}`);
			return;
		}
	}
	try {
		sys.mlockall();
	} catch (error: unknown) {
		daemon.log.error(`mlockall: ${(error as Error).message}`);
	}
}
