// `dpctl restart NAME…`: stop what runs (signal, wait for `down`, optional SIGKILL escalation)
// and start again, waiting for `up`. Automatic-start settings are left as they are; if the
// daemon restarts the service first, that start is the one waited for.

import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { wireFromArg } from '../output.js';
import { StreamReader, requireServices, signalAndWaitDown, startAndWaitUp, statePatterns } from '../service-ops.js';
import { deadline, openClient } from '../session.js';

export const restartCommand: DpctlCommand = {
	command: 'restart <names..>',
	describe: 'stop services that run, then start them and wait until they are up',
	builder: {
		signal: { type: 'string', alias: 's', requiresArg: true, describe: 'the signal that stops them (default TERM)' },
		kill: { type: 'boolean', describe: 'send SIGKILL to services still up at the deadline' },
	},
	async handler(args) {
		const names = (args['names'] as unknown[]).map(n => wireFromArg(String(n)));
		const limit = deadline(args, 10);
		const client = await openClient(args, limit.signal);
		try {
			const stream = new StreamReader(client.events(statePatterns(names)));
			const { snapshot } = await client.statedump({ signal: limit.signal });
			const running = requireServices(snapshot, names)
				.filter(s => s.state === 'up')
				.map(s => s.name);
			const sig = wireFromArg(String(args['signal'] ?? 'TERM'));
			await signalAndWaitDown(client, stream, running, {
				signal: sig,
				kill: args['kill'] === true,
				ms: limit.remainingMs(),
			});
			await startAndWaitUp(client, stream, names, limit.remainingMs());
			return EXIT.ok;
		} finally {
			client.destroy();
		}
	},
};
