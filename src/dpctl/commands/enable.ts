// `dpctl enable NAME…` / `dpctl disable NAME…`: whether a service is brought up automatically as
// its service.auto_up configures (service.enable / service.disable); the configuration itself is
// kept. Neither starts nor stops a process, except that enabling a service that is down, not
// stopped by `dpctl stop`, and configured `always` starts it (as setting auto_up would). --now
// also starts (enable) or stops (disable) it, as `systemctl enable --now` does.

import type { Client } from '../../client/client.js';
import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { nameArgs } from '../args.js';
import {
	StreamReader,
	checkStartable,
	requireServices,
	startAndWaitUp,
	statePatterns,
	stopAndWaitDown,
} from '../service-ops.js';
import { deadline, openClient, stdout } from '../session.js';
import type { CliArgs } from '../options.js';

function modeCommand(enable: boolean): DpctlCommand {
	const verb = enable ? 'enable' : 'disable';
	return {
		command: `${verb} <names..>`,
		describe: enable
			? 'bring services up automatically again, as their auto_up configures'
			: 'stop bringing services up automatically (a running process keeps running)',
		builder: {
			now: { type: 'boolean', describe: enable ? 'also start them now' : 'also stop them now' },
		},
		async handler(args: CliArgs) {
			const patterns = nameArgs(args);
			const limit = deadline(args, 10);
			const client: Client = await openClient(args, limit.signal);
			try {
				const { snapshot } = await client.statedump({ signal: limit.signal });
				const services = requireServices(snapshot, patterns);
				const names = services.map(s => s.name);
				if (enable && args['now'] === true) checkStartable(services, snapshot);
				const stream = new StreamReader(client.events(statePatterns(names)));
				if (enable) await client.serviceEnable(names, { signal: limit.signal });
				else await client.serviceDisable(names, { signal: limit.signal });
				if (args['now'] === true) {
					if (enable) await startAndWaitUp(client, stream, services, snapshot, limit.remainingMs());
					else
						await stopAndWaitDown(client, stream, services, { signal: 'TERM', kill: false, ms: limit.remainingMs() });
				}
				if (args.json) stdout().json({ ok: true, [enable ? 'enabled' : 'disabled']: names });
				return EXIT.ok;
			} finally {
				client.destroy();
			}
		},
	};
}

export const enableCommand = modeCommand(true);
export const disableCommand = modeCommand(false);
