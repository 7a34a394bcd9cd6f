// `dpctl signal SIGNAL NAME…`: service.signal to each service, race-free (the daemon only
// signals a process it has not reaped). SIGNAL is a name (TERM, SIGTERM) or a number. Every
// argument is checked first — the signal, the names (`all`, globs), and that each named service
// runs — so either every service is signalled or none is.

import { EXIT, CliError } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { displayWire, wireFromArg } from '../output.js';
import { checkSignal, nameArgs } from '../args.js';
import { requireServices } from '../service-ops.js';
import { deadline, openClient, stdout } from '../session.js';

export const signalCommand: DpctlCommand = {
	command: 'signal <signal> <names..>',
	describe: 'send SIGNAL (TERM, SIGHUP, 9, …) to running services',
	builder: {
		group: { type: 'boolean', describe: "signal the service's process group instead (it must lead one)" },
	},
	async handler(args) {
		const sig = checkSignal(wireFromArg(String(args['signal'])));
		const patterns = nameArgs(args);
		const { signal } = deadline(args, 10);
		const client = await openClient(args, signal);
		try {
			const { snapshot } = await client.statedump({ signal });
			const services = requireServices(snapshot, patterns);
			// `all` and globs mean the running ones; a name given outright must run.
			const named = services.filter(s => patterns.includes(s.name));
			const down = named.filter(s => s.state !== 'up');
			if (down.length > 0) {
				const list = down.map(s => displayWire(s.name)).join(', ');
				throw new CliError(EXIT.daemon, `dpctl: error: service is not running: ${list}`);
			}
			const running = services.filter(s => s.state === 'up').map(s => s.name);
			for (const name of running) await client.serviceSignal(name, sig, { signal, group: args['group'] === true });
			if (args.json) stdout().json({ ok: true, signal: sig, signalled: running });
			return EXIT.ok;
		} finally {
			client.destroy();
		}
	},
};
