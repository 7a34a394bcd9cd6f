// `dpctl status [NAME…]`: one row per service from a statedump: a table on a terminal,
// TSV when piped (stable columns, `-` for none), or JSON. Unknown names are reported and make the
// exit status 1 after the others are shown.
// Must never print a wire byte raw to a terminal (names and values go through displayWire).

import type { ServiceStatus } from '../../client/snapshot.js';
import { DaemonError } from '../../client/errors.js';
import type { TreeLine } from '../../client/typed-commands.js';
import { sortedNames } from '../../client/snapshot.js';
import { exitText, stateColour } from '../describe-event.js';
import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { displayWire, formatDuration, formatTable, jsonWire, type Output } from '../output.js';
import { deadline, openClient, stderr, stdout } from '../session.js';

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
	].join('\t');
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

export function jsonService(s: ServiceStatus) {
	return {
		name: s.name,
		state: s.state,
		pid: s.pid,
		lastPid: s.lastPid,
		ts: s.ts,
		uptime: s.state === 'up' ? s.uptime : null,
		downtime: s.state === 'down' ? s.downtime : null,
		exit: s.exit === null ? null : { reason: s.exit.reason, value: jsonWire(s.exit.value) },
		autoUp: { interval: s.autoUp.interval, triggers: s.autoUp.triggers.map(jsonWire) },
		args: s.args.map(jsonWire),
		fds: s.fds.map(jsonWire),
		tags: s.tags.map(jsonWire),
	};
}

/** The terminal table: NAME STATE PID UPTIME LAST-EXIT AUTO-UP. */
export function tableLines(services: readonly ServiceStatus[], out: Output): string[] {
	const header = ['NAME', 'STATE', 'PID', 'UPTIME', 'LAST EXIT', 'AUTO-UP'].map(h => out.paint('bold', h));
	const rows = services.map(s => {
		const last = exitText(s.exit?.reason ?? null, s.exit?.value ?? null);
		const ago = s.state === 'down' && s.downtime !== null && last !== null ? `, ${formatDuration(s.downtime)} ago` : '';
		return [
			displayWire(s.name),
			out.paint(stateColour(s.state, s.exit?.value ?? null), s.state),
			s.pid === null ? '-' : String(s.pid),
			s.state === 'up' && s.uptime !== null ? formatDuration(s.uptime) : '-',
			last === null ? '-' : `${displayWire(last)}${ago}`,
			s.autoUp.triggers.length === 0 ? 'off' : `${displayWire(s.autoUp.triggers.join(','))}/${s.autoUp.interval}s`,
		];
	});
	return formatTable([header, ...rows]);
}

export const statusCommand: DpctlCommand = {
	command: 'status [names..]',
	describe: 'show services: a table on a terminal, TSV when piped, or JSON',
	builder: {},
	async handler(args) {
		const names = Array.isArray(args['names']) ? args['names'].map(String) : [];
		const { signal } = deadline(args, 10);
		const client = await openClient(args, signal);
		let trees = new Map<string, TreeLine>();
		const dump = await client
			.statedump({ signal })
			.then(async d => {
				// service.tree is an extension: a daemon without it (or a role without it) gives nulls.
				if (args.json)
					trees = await client.serviceTree([], { signal }).catch((error: unknown) => {
						if (error instanceof DaemonError) return trees;
						throw error;
					});
				return d;
			})
			.finally(() => client.destroy());
		const { services } = dump.snapshot;
		const wanted = names.length === 0 ? sortedNames(services.keys()) : names;
		const missing = wanted.filter(n => !services.has(n));
		const shown = wanted.flatMap(n => services.get(n) ?? []);
		const out = stdout();
		if (args.json) out.json(shown.map(s => ({ ...jsonService(s), ...jsonTree(trees.get(s.name)) })));
		else if (out.isTTY) for (const line of shown.length > 0 ? tableLines(shown, out) : []) out.text(line);
		else for (const s of shown) out.wire(tsvRow(s));
		for (const name of missing) stderr().text(`dpctl: error: no such service: ${displayWire(name)}`);
		return missing.length > 0 ? EXIT.daemon : EXIT.ok;
	},
};
