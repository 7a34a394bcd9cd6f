// The process's name, as 1.1 shows it (daemonproxy(8), DESCRIPTION): `daemonproxy` in
// `ps -o comm`, `pidof` and `pgrep -x` (not `node`), and `daemonproxy ARGS…` in `ps -o args`.

import test from 'ava';
import { execa } from 'execa';
import { startDaemon } from './helpers/daemon.js';

test('the daemon is `daemonproxy` to ps, pidof and pgrep -x, with its arguments in ps -o args', async t => {
	const daemon = await startDaemon(t, ['--fd-pool', '20']);
	const pid = String(daemon.pid);
	const comm = await execa('ps', ['-o', 'comm=', '-p', pid]);
	t.is(comm.stdout.trim(), 'daemonproxy');
	const args = await execa('ps', ['-o', 'args=', '-p', pid]);
	t.is(args.stdout.trim(), 'daemonproxy -i --fd-pool 20');
	// Other daemons may run beside ours: ours must be among those listed.
	const pidof = await execa('pidof', ['daemonproxy'], { reject: false });
	t.true(pidof.stdout.split(' ').includes(pid), `pidof: ${pidof.stdout}`);
	const pgrep = await execa('pgrep', ['-x', 'daemonproxy'], { reject: false });
	t.true(pgrep.stdout.split('\n').includes(pid), `pgrep -x: ${pgrep.stdout}`);
});
