// `dpctl status [NAME…]`: one row per service from a statedump (with the service.mode lines, so a
// service stopped or disabled shows as such): a table on a terminal, TSV when piped (stable
// columns, `-` for none), or JSON. NAMEs may be `all` or globs; one that matches nothing is
// reported and makes the exit status 1 after the others are shown.
// Must never print a wire byte raw to a terminal (names and values go through displayWire).

import type { ServiceStatus } from '../../client/snapshot.js';
import { sortedNames } from '../../client/snapshot.js';
import { exitText, stateColour } from '../describe-event.js';
import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { displayWire, formatDuration, formatTable, jsonWire, type Output } from '../output.js';
import { deadline, openClient, stderr, stdout } from '../session.js';
import { nameArgs } from '../args.js';
import { ALL, resolveNames } from '../names.js';
import { dumpWithModes } from '../service-ops.js';

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
		modeText(s),
	].join('\t');
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
		exit: s.exit === null ? null : { reason: s.exit.reason, value: jsonWire(s.exit.value) },
		autoUp: { interval: s.autoUp.interval, triggers: s.autoUp.triggers.map(jsonWire) },
		args: s.args.map(jsonWire),
		fds: s.fds.map(jsonWire),
		tags: s.tags.map(jsonWire),
		held: s.held,
		enabled: s.enabled,
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

export const statusCommand: DpctlCommand = {
	command: 'status [names..]',
	describe: 'show services: a table on a terminal, TSV when piped, or JSON',
	builder: {},
	async handler(args) {
		const patterns = nameArgs(args);
		const { signal } = deadline(args, 10);
		const client = await openClient(args, signal);
		const dump = await dumpWithModes(client, signal).finally(() => client.destroy());
		const { services } = dump.snapshot;
		const { names: wanted, missing } = resolveNames(
			sortedNames(services.keys()),
			patterns.length === 0 ? [ALL] : patterns,
		);
		const shown = wanted.flatMap(n => services.get(n) ?? []);
		const out = stdout();
		if (args.json) out.json(shown.map(jsonService));
		else if (out.isTTY) for (const line of shown.length > 0 ? tableLines(shown, out) : []) out.text(line);
		else for (const s of shown) out.wire(tsvRow(s));
		for (const name of missing) stderr().text(`dpctl: error: no such service: ${displayWire(name)}`);
		return missing.length > 0 ? EXIT.daemon : EXIT.ok;
	},
};
