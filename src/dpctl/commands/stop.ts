// `dpctl stop NAME…`: down and stay down (s6-svc -d, systemctl stop). Every argument is checked
// first (names, `all`, globs; the signal), then one service.stop holds them all down — no
// automatic restart, their auto_up configuration kept for `dpctl start` — and sends the signal
// (TERM by default); dpctl waits for `down`. With --kill the daemon sends SIGKILL to a service
// still up at the deadline, and dpctl says so. Stopping a service that is already down succeeds.

import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { wireFromArg } from '../output.js';
import { checkSignal, nameArgs } from '../args.js';
import { StreamReader, requireServices, statePatterns, stopAndWaitDown } from '../service-ops.js';
import { deadline, openClient, stdout } from '../session.js';

export const stopCommand: DpctlCommand = {
	command: 'stop <names..>',
	describe: 'stop services and keep them down (no automatic restart) until started again; wait until down',
	builder: {
		signal: { type: 'string', alias: 's', requiresArg: true, describe: 'the signal to send (default TERM)' },
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
			const stream = new StreamReader(client.events(statePatterns(services.map(s => s.name))));
			const result = await stopAndWaitDown(client, stream, services, {
				signal: sig,
				kill: args['kill'] === true,
				ms: limit.remainingMs(),
			});
			if (args.json) stdout().json({ ok: true, stopped: result.stopped, killed: result.killed });
			return EXIT.ok;
		} finally {
			client.destroy();
		}
	},
};
