// `dpctl restart NAME…`: stop what runs (as `dpctl stop`: held down, signal, wait for `down`,
// optional SIGKILL) and start again (as `dpctl start`), waiting for `up`. Every argument is
// checked before anything stops.

import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { wireFromArg } from '../output.js';
import { checkSignal, nameArgs } from '../args.js';
import {
	StreamReader,
	checkStartable,
	requireServices,
	startAndWaitUp,
	statePatterns,
	stopAndWaitDown,
} from '../service-ops.js';
import { deadline, openClient, stdout } from '../session.js';

export const restartCommand: DpctlCommand = {
	command: 'restart <names..>',
	describe: 'stop services that run, then start them and wait until they are up',
	builder: {
		signal: { type: 'string', alias: 's', requiresArg: true, describe: 'the signal that stops them (default TERM)' },
		kill: { type: 'boolean', describe: 'have the daemon send SIGKILL to services still up at the deadline' },
	},
	async handler(args) {
		const patterns = nameArgs(args);
		const sig = checkSignal(wireFromArg(String(args['signal'] ?? 'TERM')));
		const limit = deadline(args, 10);
		const client = await openClient(args, limit.signal);
		try {
			const { snapshot } = await client.statedump({ signal: limit.signal });
			const services = requireServices(snapshot, patterns);
			const names = services.map(s => s.name);
			checkStartable(services, snapshot);
			const stream = new StreamReader(client.events(statePatterns(names)));
			const running = services.filter(s => s.state !== 'down');
			const { killed } = await stopAndWaitDown(client, stream, running, {
				signal: sig,
				kill: args['kill'] === true,
				ms: limit.remainingMs(),
			});
			const down = services.map(s => ({ ...s, state: 'down' as const }));
			await startAndWaitUp(client, stream, down, snapshot, limit.remainingMs());
			if (args.json) stdout().json({ ok: true, restarted: names, killed });
			return EXIT.ok;
		} finally {
			client.destroy();
		}
	},
};
