// `dpctl status [NAME…]`: one row per service from a statedump: a table on a terminal,
// TSV when piped (stable columns, `-` for none), or JSON. Unknown names are reported and make the
// exit status 1 after the others are shown.
// Must never print a wire byte raw to a terminal (names and values go through displayWire).

import type { ServiceStatus } from '../../client/snapshot.js';
import { sortedNames } from '../../client/snapshot.js';
import { exitText, stateColour } from '../describe-event.js';
import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { displayWire, formatDuration, formatTable, jsonWire, type Output } from '../output.js';
import { withStatus } from '../service-ops.js';
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
	'ready',
	'restarts',
	'failed',
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
	].join('\t');
}

/** How the last run ended: the status line's (kept through a crash loop), else the state line's. */
function lastExit(s: ServiceStatus): { reason: string; value: string } | null {
	return s.status?.lastExit ?? s.exit;
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
		const dump = await withStatus(client, signal)
			.then(() => client.statedump({ signal }))
			.finally(() => client.destroy());
		const { services } = dump.snapshot;
		const wanted = names.length === 0 ? sortedNames(services.keys()) : names;
		const missing = wanted.filter(n => !services.has(n));
		const shown = wanted.flatMap(n => services.get(n) ?? []);
		const out = stdout();
		if (args.json) out.json(shown.map(jsonService));
		else if (out.isTTY) for (const line of shown.length > 0 ? tableLines(shown, out) : []) out.text(line);
		else for (const s of shown) out.wire(tsvRow(s));
		for (const name of missing) stderr().text(`dpctl: error: no such service: ${displayWire(name)}`);
		return missing.length > 0 ? EXIT.daemon : EXIT.ok;
	},
};
