// `dpctl is-active NAME…`: exit 0 when every named service is up, 3 otherwise (systemctl's
// convention), printing each one's state (`up`, `down`, `start`, or `unknown` for a name the
// daemon does not have) unless --quiet. For scripts: `dpctl is-active web && …`.

import { sortedNames } from '../../client/snapshot.js';
import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { nameArgs } from '../args.js';
import { resolveNames } from '../names.js';
import { deadline, openClient, stdout } from '../session.js';

export const isActiveCommand: DpctlCommand = {
	command: 'is-active <names..>',
	describe: 'exit 0 if every service is up, 3 if not; print each state',
	builder: {
		quiet: { type: 'boolean', alias: 'q', describe: 'print nothing; only the exit status tells' },
	},
	async handler(args) {
		const patterns = nameArgs(args);
		const { signal } = deadline(args, 10);
		const client = await openClient(args, signal);
		const { snapshot } = await client.statedump({ signal }).finally(() => client.destroy());
		const { names, missing } = resolveNames(sortedNames(snapshot.services.keys()), patterns);
		const states = [
			...names.map(name => ({ name, state: snapshot.services.get(name)?.state ?? 'unknown' })),
			...missing.map(name => ({ name, state: 'unknown' })),
		];
		const active = states.length > 0 && states.every(s => s.state === 'up');
		const out = stdout();
		if (args.json) out.json({ ok: true, active, services: states });
		else if (args['quiet'] !== true) for (const s of states) out.text(s.state);
		return active ? EXIT.ok : EXIT.inactive;
	},
};
