// `dpctl whoami`: this connection's credentials and role as the daemon sees them
// (`conn.whoami`). A daemon without the verb answers `Unknown command` (exit 1).

import { EXIT } from '../exit-codes.js';
import type { DpctlCommand } from '../options.js';
import { displayWire, jsonWire } from '../output.js';
import { deadline, openClient, stdout } from '../session.js';
import { parseWhoami } from '../../client/typed-commands.js';

export const whoamiCommand: DpctlCommand = {
	command: 'whoami',
	describe: "show this connection's pid, uid, gid and role as the daemon sees them",
	builder: {},
	async handler(args) {
		const { signal } = deadline(args, 10);
		const client = await openClient(args, signal);
		try {
			const reply = await client.command(['conn.whoami'], { signal });
			const who = parseWhoami(reply.lines);
			const out = stdout();
			if (args.json)
				out.json({
					conn: who.conn,
					pid: who.pid,
					uid: who.uid,
					gid: who.gid,
					role: who.role === null ? null : jsonWire(who.role),
				});
			else if (out.isTTY) {
				out.text(
					`conn ${who.conn ?? '?'}  pid ${who.pid ?? '?'}  uid ${who.uid ?? '?'}  gid ${who.gid ?? '?'}  role ${displayWire(who.role ?? '?')}`,
				);
			} else for (const line of reply.lines) out.wire(line);
			return EXIT.ok;
		} finally {
			client.destroy();
		}
	},
};
