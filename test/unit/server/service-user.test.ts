// resolveServiceUser (service.user's USER[:GROUP]) over a fixed account database: names, numeric
// ids, the primary group, supplementary groups as initgroups(3) would set them, and each refusal.

import test from 'ava';
import { parseGroup, parsePasswd, type Accounts } from '../../../src/server/auth-accounts.js';
import { resolveServiceUser } from '../../../src/server/service-user.js';

const accounts: Accounts = {
	users: parsePasswd('root:x:0:0::/root:/bin/sh\nweb:x:1000:1000::/srv:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n'),
	groups: parseGroup('root:x:0:\nweb:x:1000:\nlogs:x:4:web,other\nssl:x:110:web\nnogroup:x:65534:\n'),
};

test('a name: its uid, its primary group, and every group that lists it', t => {
	t.deepEqual(resolveServiceUser('web', accounts), { spec: 'web', uid: 1000, gid: 1000, groups: [1000, 4, 110] });
	t.deepEqual(resolveServiceUser('nobody', accounts), { spec: 'nobody', uid: 65534, gid: 65534, groups: [65534] });
});

test('USER:GROUP by name or number; a numeric uid with a passwd entry is that entry', t => {
	t.deepEqual(resolveServiceUser('web:nogroup', accounts), {
		spec: 'web:nogroup',
		uid: 1000,
		gid: 65534,
		groups: [65534, 4, 110],
	});
	t.deepEqual(resolveServiceUser('1000:7', accounts), { spec: '1000:7', uid: 1000, gid: 7, groups: [7, 4, 110] });
	t.deepEqual(resolveServiceUser('4242:4242', accounts), { spec: '4242:4242', uid: 4242, gid: 4242, groups: [4242] });
});

test('refusals name what is wrong', t => {
	t.is(resolveServiceUser('ghost', accounts), 'unknown user "ghost"');
	t.is(resolveServiceUser('web:ghosts', accounts), 'unknown group "ghosts"');
	t.is(resolveServiceUser('4242', accounts), 'uid 4242 has no passwd entry: give its group as 4242:GROUP');
	for (const bad of ['', ':web', 'web:', 'web:a:b'])
		t.is(
			resolveServiceUser(bad, accounts),
			`invalid user "${bad}" (expected USER or USER:GROUP, names or numeric ids)`,
		);
	t.is(resolveServiceUser('4294967295', accounts), 'unknown user "4294967295"');
});
