// `dpctl start NAME…`: up, and supervised again as configured (a hold of `dpctl stop` ends). Every
// argument is checked first (names, `all`, globs), and what the state shows cannot start (no
// program, a missing handle) is refused before anything starts; then each service that is not up
// gets service.start and dpctl waits for `up`.

import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { nameArgs } from '../args.js';
import {
	StreamReader,
	checkStartable,
	dumpWithModes,
	requireServices,
	startAndWaitUp,
	statePatterns,
} from '../service-ops.js';
import { deadline, openClient, stdout } from '../session.js';

export const startCommand: DpctlCommand = {
	command: 'start <names..>',
	describe: 'start services (supervised again as configured) and wait until they are up',
	builder: {
		wait: { type: 'boolean', describe: 'wait for up (default; --no-wait only sends the command)' },
	},
	async handler(args) {
		const patterns = nameArgs(args);
		const limit = deadline(args, 10);
		const client = await openClient(args, limit.signal);
		try {
			const { snapshot } = await dumpWithModes(client, limit.signal);
			const services = requireServices(snapshot, patterns);
			const names = services.map(s => s.name);
			if (args['wait'] === false) {
				checkStartable(services, snapshot);
				for (const s of services)
					if (s.state !== 'up' || s.held === true) await client.serviceStart(s.name, { signal: limit.signal });
			} else {
				const stream = new StreamReader(client.events(statePatterns(names), { signal: limit.signal }));
				await startAndWaitUp(client, stream, services, snapshot, limit.remainingMs());
			}
			if (args.json) stdout().json({ ok: true, started: names });
			return EXIT.ok;
		} finally {
			client.destroy();
		}
	},
};
