// `dpctl status [NAME…]`: one row per service from a statedump (with the service.mode lines, so a
// service stopped or disabled shows as such): a table on a terminal, TSV when piped (stable
// columns, `-` for none), or JSON. NAMEs may be `all` or globs; one that matches nothing is
// reported and makes the exit status 1 after the others are shown.
// Must never print a wire byte raw to a terminal (names and values go through displayWire).

import type { Client } from '../../client/client.js';
import { DaemonError } from '../../client/errors.js';
import type { ServiceStatus } from '../../client/snapshot.js';
import type { TreeLine } from '../../client/typed-commands.js';
import { parseOutputLine, type OutputLine } from '../../protocol/output-lines.js';
import { sortedNames } from '../../client/snapshot.js';
import { exitText, stateColour } from '../describe-event.js';
import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { displayWire, formatDuration, formatTable, jsonWire, type Output } from '../output.js';
import { deadline, openClient, stderr, stdout } from '../session.js';
import { nameArgs } from '../args.js';
import { ALL, resolveNames } from '../names.js';
import { dumpWithModes } from '../service-ops.js';
import { jsonOutputLine, printLine } from '../output-line-view.js';

/** Lines of output shown for a named service that is down. */
const STATUS_OUTPUT_LINES = 10;

/** The TSV columns, in order (dpctl(1), STATUS OUTPUT). */
export const TSV_COLUMNS = [
	'name',
	'state',
	'pid',
	'uptime',
	'downtime',
	'reason',
	'value',
	'interval',
	'triggers',
	'ready',
	'restarts',
	'failed',
	'mode',
] as const;

const dash = (v: string | number | null): string => (v === null || v === '' ? '-' : String(v));

export function tsvRow(s: ServiceStatus): string {
	return [
		s.name,
		s.state,
		dash(s.pid),
		dash(s.state === 'up' ? s.uptime : null),
		dash(s.state === 'down' ? s.downtime : null),
		dash(s.exit?.reason ?? null),
		dash(s.exit?.value ?? null),
		String(s.autoUp.interval),
		s.autoUp.triggers.length === 0 ? '-' : s.autoUp.triggers.join(','),
		s.status?.ready == null ? '-' : s.status.ready ? 'yes' : 'no',
		dash(s.status?.restarts ?? null),
		s.status === null ? '-' : s.status.failed ? 'yes' : 'no',
		modeText(s),
	].join('\t');
}

/** How the last run ended: the status line's (kept through a crash loop), else the state line's. */
function lastExit(s: ServiceStatus): { reason: string; value: string } | null {
	return s.status?.lastExit ?? s.exit;
}

/** The tree fields of --json (null when the daemon has no service.tree, or the service none). */
export function jsonTree(t: TreeLine | undefined) {
	return {
		cgroup: t?.cgroup === undefined || t.cgroup === null ? null : jsonWire(t.cgroup),
		cpuUsec: t?.cpuUsec ?? null,
		memoryBytes: t?.memoryBytes ?? null,
		processes: t ? [...t.pids] : null,
	};
}

/** `stopped` (held down by dpctl stop), `disabled`, both, or `-`. */
export function modeText(s: ServiceStatus): string {
	const words = [...(s.held === true ? ['stopped'] : []), ...(s.enabled === false ? ['disabled'] : [])];
	return words.length === 0 ? '-' : words.join(',');
}

export function jsonService(s: ServiceStatus) {
	return {
		name: s.name,
		state: s.state,
		pid: s.pid,
		lastPid: s.lastPid,
		ts: s.ts,
		uptime: s.state === 'up' ? s.uptime : null,
		downtime: s.state === 'down' ? s.downtime : null,
		exit: exitJson(s.exit),
		// From the service.status extension; null from a daemon without it.
		ready: s.status?.ready ?? null,
		restarts: s.status?.restarts ?? null,
		lastExit: exitJson(lastExit(s)),
		failed: s.status?.failed ?? null,
		killed: s.status?.killed ?? null,
		statusText: s.status?.status == null ? null : jsonWire(s.status.status),
		autoUp: { interval: s.autoUp.interval, triggers: s.autoUp.triggers.map(jsonWire) },
		args: s.args.map(jsonWire),
		fds: s.fds.map(jsonWire),
		tags: s.tags.map(jsonWire),
		held: s.held,
		enabled: s.enabled,
	};
}

function exitJson(exit: { reason: string; value: string } | null) {
	return exit === null ? null : { reason: exit.reason, value: jsonWire(exit.value) };
}

/** The terminal table: NAME STATE PID UPTIME READY RESTARTS LAST-EXIT AUTO-UP. */
export function tableLines(services: readonly ServiceStatus[], out: Output): string[] {
	const header = ['NAME', 'STATE', 'PID', 'UPTIME', 'READY', 'RESTARTS', 'LAST EXIT', 'AUTO-UP'].map(h =>
		out.paint('bold', h),
	);
	const rows = services.map(s => {
		const exit = lastExit(s);
		const last = exitText(exit?.reason ?? null, exit?.value ?? null);
		const ago = s.state === 'down' && s.downtime !== null && last !== null ? `, ${formatDuration(s.downtime)} ago` : '';
		const killed = s.status?.killed ? ` (${s.status.killed.replace('_', ' ')})` : '';
		const failed = s.state === 'down' && s.status?.failed === true;
		return [
			displayWire(s.name),
			failed ? out.paint('red', 'failed') : out.paint(stateColour(s.state, s.exit?.value ?? null), s.state),
			s.pid === null ? '-' : String(s.pid),
			s.state === 'up' && s.uptime !== null ? formatDuration(s.uptime) : '-',
			s.status?.ready == null ? '-' : s.status.ready ? 'yes' : 'no',
			s.status === null ? '-' : String(s.status.restarts),
			last === null ? '-' : `${displayWire(last)}${killed}${ago}`,
			autoUpText(s),
		];
	});
	return formatTable([header, ...rows]);
}

/** The AUTO-UP cell: what will bring the service up, or why nothing will. */
function autoUpText(s: ServiceStatus): string {
	const configured =
		s.autoUp.triggers.length === 0 ? 'off' : `${displayWire(s.autoUp.triggers.join(','))}/${s.autoUp.interval}s`;
	const mode = modeText(s);
	return mode === '-' ? configured : `${mode} (${configured})`;
}

/** The lines kept when the service last went down; none for a service up or never run, or a daemon without output capture. */
async function exitOutput(client: Client, s: ServiceStatus, signal: AbortSignal | undefined): Promise<OutputLine[]> {
	if (s.state !== 'down' || s.exit === null) return [];
	try {
		const reply = await client.command(['output.tail', s.name, String(STATUS_OUTPUT_LINES), 'exit'], { signal });
		return reply.lines.flatMap(line => parseOutputLine(line) ?? []);
	} catch (error: unknown) {
		if (error instanceof DaemonError) return [];
		throw error;
	}
}

export const statusCommand: DpctlCommand = {
	command: 'status [names..]',
	describe: 'show services: a table on a terminal, TSV when piped, or JSON',
	builder: {},
	async handler(args) {
		const patterns = nameArgs(args);
		const { signal } = deadline(args, 10);
		const client = await openClient(args, signal);
		let shown: ServiceStatus[];
		let missing: string[];
		// Named services also show the output kept with their down record (dpctl(1), STATUS OUTPUT).
		const lastOutput = new Map<string, OutputLine[]>();
		let trees = new Map<string, TreeLine>();
		try {
			const { services } = (await dumpWithModes(client, signal)).snapshot;
			const resolved = resolveNames(sortedNames(services.keys()), patterns.length === 0 ? [ALL] : patterns);
			missing = resolved.missing;
			shown = resolved.names.flatMap(n => services.get(n) ?? []);
			if (patterns.length > 0) for (const s of shown) lastOutput.set(s.name, await exitOutput(client, s, signal));
			// service.tree is an extension: a daemon without it (or a role without it) gives nulls.
			if (args.json)
				trees = await client.serviceTree([], { signal }).catch((error: unknown) => {
					if (error instanceof DaemonError) return trees;
					throw error;
				});
		} finally {
			client.destroy();
		}
		const out = stdout();
		if (args.json)
			out.json(
				shown.map(s => ({
					...jsonService(s),
					...jsonTree(trees.get(s.name)),
					...(patterns.length > 0 ? { lastOutput: (lastOutput.get(s.name) ?? []).map(jsonOutputLine) } : {}),
				})),
			);
		else if (out.isTTY) {
			for (const line of shown.length > 0 ? tableLines(shown, out) : []) out.text(line);
			for (const s of shown) {
				const lines = lastOutput.get(s.name) ?? [];
				if (lines.length === 0) continue;
				out.text(out.paint('bold', `Last output of ${displayWire(s.name)} before it went down:`));
				for (const line of lines) printLine(out, line, false, false);
			}
		} else for (const s of shown) out.wire(tsvRow(s));
		for (const name of missing) stderr().text(`dpctl: error: no such service: ${displayWire(name)}`);
		return missing.length > 0 ? EXIT.daemon : EXIT.ok;
	},
};
