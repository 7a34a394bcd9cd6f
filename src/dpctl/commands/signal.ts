// `dpctl signal SIGNAL NAME…`: service.signal to each service, race-free (the daemon
// only signals a process it has not reaped). SIGNAL is a name (TERM, SIGTERM) or a number.

import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { wireFromArg } from '../output.js';
import { deadline, openClient } from '../session.js';

export const signalCommand: DpctlCommand = {
	command: 'signal <signal> <names..>',
	describe: 'send SIGNAL (TERM, SIGHUP, 9, …) to running services',
	builder: {
		group: { type: 'boolean', describe: "signal the service's process group instead (it must lead one)" },
	},
	async handler(args) {
		const sig = wireFromArg(String(args['signal']));
		const names = (args['names'] as unknown[]).map(n => wireFromArg(String(n)));
		const { signal } = deadline(args, 10);
		const client = await openClient(args, signal);
		try {
			// Every service gets its signal even when one of them is refused; the first refusal is reported.
			const results = await Promise.allSettled(
				names.map(name => client.serviceSignal(name, sig, { signal, group: args['group'] === true })),
			);
			const failed = results.find(r => r.status === 'rejected');
			if (failed) throw failed.reason;
			return EXIT.ok;
		} finally {
			client.destroy();
		}
	},
};
