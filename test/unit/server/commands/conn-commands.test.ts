// Unit tests of src/server/commands/conn-commands.ts: conn.whoami's answer, and conn.allow's
// argument check. A conn.allow that gets as far as making a rule reads /etc/passwd and /etc/group
// (auth-accounts.ts, whose parsers auth-policy.test.ts covers), so granting is left to the
// integration tests (server-auth.test.ts).

import test from 'ava';
import { connCommands } from '../../../../src/server/commands/conn-commands.js';
import { FakeCommandHost } from '../../helpers/fake-command-host.js';

test('conn.whoami: connection id, peer credentials and the role now', t => {
	const host = new FakeCommandHost(connCommands);
	host.connect('admin');
	const conn = host.connect('observer');
	t.deepEqual(conn.send('conn.whoami'), ['conn.whoami\t1\t4242\t1000\t100\tobserver']);
	conn.controller.setPeerPid(77);
	host.setRole(conn.controller, 'operator');
	t.deepEqual(conn.send(':w\tconn.whoami'), [':w\tconn.whoami\t1\t77\t1000\t100\toperator', ':w\tok']);
});

test('conn.allow: a role and a selector are both needed; nothing is granted otherwise', t => {
	const host = new FakeCommandHost(connCommands);
	const conn = host.connect('admin');
	for (const line of ['conn.allow', 'conn.allow\toperator', 'conn.allow\t\tuid=5', 'conn.allow\toperator\t']) {
		t.deepEqual(conn.send(line), [`error\texpected role and selector, for command "${line}"`], line);
	}
	t.deepEqual(host.rules, []);
	t.deepEqual(host.connect('operator').send('conn.allow\tadmin\tuid=5'), [
		'error\tpermission denied (role operator), for command "conn.allow\tadmin\tuid=5"',
	]);
});
