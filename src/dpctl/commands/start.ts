// `dpctl start NAME…`: service.start for each service, then wait until each is `up`
// (exit 1 if one goes down first, 99 at the deadline). A service already running counts as
// started, so the command is idempotent, like `systemctl start`.

import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { wireFromArg } from '../output.js';
import { StreamReader, startAndWaitUp, statePatterns } from '../service-ops.js';
import { deadline, openClient } from '../session.js';

export const startCommand: DpctlCommand = {
	command: 'start <names..>',
	describe: 'start services and wait until they are up',
	builder: {
		wait: { type: 'boolean', describe: 'wait for up (default; --no-wait only sends the command)' },
	},
	async handler(args) {
		const names = (args['names'] as unknown[]).map(n => wireFromArg(String(n)));
		const limit = deadline(args, 10);
		const client = await openClient(args, limit.signal);
		try {
			if (args['wait'] === false) {
				for (const name of names) await client.serviceStart(name, { signal: limit.signal });
				return EXIT.ok;
			}
			const stream = new StreamReader(client.events(statePatterns(names), { signal: limit.signal }));
			await startAndWaitUp(client, stream, names, limit.remainingMs());
			return EXIT.ok;
		} finally {
			client.destroy();
		}
	},
};
