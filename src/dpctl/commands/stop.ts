// `dpctl stop NAME…`: make services stay down. Turns off automatic starts (service.auto_up NAME
// -, unless --keep-auto-up), cancels a pending start, sends the signal (TERM by default) and waits
// for `down`; at the deadline, with --kill, sends SIGKILL and waits a little more. Stopping a
// service that is already down succeeds.

import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { wireFromArg } from '../output.js';
import { StreamReader, requireServices, signalAndWaitDown, statePatterns, tolerate } from '../service-ops.js';
import { deadline, openClient } from '../session.js';

export const stopCommand: DpctlCommand = {
	command: 'stop <names..>',
	describe: 'stop services (and their automatic restarts) and wait until they are down',
	builder: {
		signal: { type: 'string', alias: 's', requiresArg: true, describe: 'the signal to send (default TERM)' },
		kill: { type: 'boolean', describe: 'send SIGKILL to services still up at the deadline' },
		'keep-auto-up': { type: 'boolean', describe: 'leave automatic starts on (the daemon may start the service again)' },
	},
	async handler(args) {
		const names = (args['names'] as unknown[]).map(n => wireFromArg(String(n)));
		const sig = wireFromArg(String(args['signal'] ?? 'TERM'));
		const limit = deadline(args, 10);
		const client = await openClient(args, limit.signal);
		try {
			const stream = new StreamReader(client.events(statePatterns(names)));
			const { snapshot } = await client.statedump({ signal: limit.signal });
			const running: string[] = [];
			for (const s of requireServices(snapshot, names)) {
				if (s.autoUp.triggers.length > 0 && args['keep-auto-up'] !== true) {
					await client.serviceAutoUp(s.name, '-', [], { signal: limit.signal });
				}
				if (s.state === 'start')
					await tolerate(client.serviceStart(s.name, { at: '-', signal: limit.signal }), 'no service.start pending');
				if (s.state === 'up') running.push(s.name);
			}
			await signalAndWaitDown(client, stream, running, {
				signal: sig,
				kill: args['kill'] === true,
				ms: limit.remainingMs(),
			});
			return EXIT.ok;
		} finally {
			client.destroy();
		}
	},
};
