// Unit tests of src/server/auth-policy.ts and auth-accounts.ts: design §2 roles, command classes,
// the pure policy decision, selector syntax and the /etc/passwd and /etc/group parsers.
// Checks decisions and values, not prose. Must never spawn a process, open a socket or read /etc.

import test from 'ava';
import {
	checkRuleSpec,
	makeRule,
	parseGroup,
	parsePasswd,
	ruleFromSpec,
	type Accounts,
} from '../../../src/server/auth-accounts.js';
import {
	commandClass,
	decide,
	parseSelectorSpec,
	roleAllows,
	roleOf,
	ROLES,
	type CommandClass,
	type Peer,
	type Policy,
	type Rule,
} from '../../../src/server/auth-policy.js';

const OWNER = 1000;
const peer = (uid: number, gid = uid, pid = 4242): Peer => ({ pid, uid, gid });
const policy = (...rules: Rule[]): Policy => ({ ownerUid: OWNER, rules });
const uidRule = (role: Rule['role'], uid: number): Rule => ({
	role,
	selector: { kind: 'uid', uid },
	source: `${role}:uid=${uid}`,
});
const gidRule = (role: Rule['role'], gid: number, members: number[] = []): Rule => ({
	role,
	selector: { kind: 'gid', gid, members: new Set(members) },
	source: `${role}:gid=${gid}`,
});

const CLASSES: CommandClass[] = ['read', 'control', 'admin'];

test('default policy: root and the owner are admin, everyone else is refused', t => {
	t.is(roleOf(policy(), peer(0)), 'admin');
	t.is(roleOf(policy(), peer(OWNER)), 'admin');
	t.is(roleOf(policy(), peer(65534)), null);
	t.is(roleOf(policy(), peer(1001, 0)), null, 'gid 0 alone grants nothing');
	for (const cls of CLASSES) {
		t.is(decide(policy(), peer(0), cls), 'allow');
		t.is(decide(policy(), peer(OWNER), cls), 'allow');
		t.is(decide(policy(), peer(65534), cls), 'deny');
	}
});

test('each role allows exactly its classes', t => {
	const table: Record<string, CommandClass[]> = { observer: ['read'], operator: ['read', 'control'], admin: CLASSES };
	for (const role of ROLES) {
		for (const cls of CLASSES) t.is(roleAllows(role, cls), table[role]?.includes(cls) ?? false, `${role} ${cls}`);
	}
});

test('rules grant by uid, by primary gid and by group membership', t => {
	const p = policy(uidRule('observer', 2000), gidRule('operator', 300, [2001]));
	t.is(roleOf(p, peer(2000)), 'observer');
	t.is(roleOf(p, peer(2002, 300)), 'operator', 'primary gid');
	t.is(roleOf(p, peer(2001, 2001)), 'operator', 'listed member');
	t.is(roleOf(p, peer(2003, 301)), null);
	t.is(decide(p, peer(2000), 'control'), 'deny');
	t.is(decide(p, peer(2001), 'control'), 'allow');
	t.is(decide(p, peer(2001), 'admin'), 'deny');
});

test('the highest matching role wins, whatever the rule order; rules never take away', t => {
	const p = policy(uidRule('admin', 2000), uidRule('observer', 2000), uidRule('observer', 0));
	t.is(roleOf(p, peer(2000)), 'admin');
	t.is(roleOf(policy(uidRule('observer', 2000), gidRule('operator', 2000)), peer(2000)), 'operator');
	t.is(roleOf(p, peer(0)), 'admin');
});

test('the command table: reads, controls, and admin for the rest and for unknown verbs', t => {
	for (const verb of [
		'echo',
		'statedump',
		'conn.whoami',
		'events.subscribe',
		'events.unsubscribe',
		'events.seq',
		'events.resume',
		'exit',
	]) {
		t.is(commandClass(verb), 'read', verb);
	}
	t.is(commandClass('service.start'), 'control');
	t.is(commandClass('service.signal'), 'control');
	for (const verb of ['fd.open', 'service.args', 'terminate', 'conn.allow', 'socket.create', 'log.filter'])
		t.is(commandClass(verb), 'admin', verb);
	t.is(commandClass('some.future.verb'), 'admin', 'fail closed');
	t.is(commandClass('__proto__'), 'admin');
});

test('selector syntax', t => {
	t.deepEqual(parseSelectorSpec('uid=0'), { kind: 'uid', id: 0 });
	t.deepEqual(parseSelectorSpec('gid=4294967294'), { kind: 'gid', id: 4294967294 });
	t.deepEqual(parseSelectorSpec('user=www-data'), { kind: 'user', name: 'www-data' });
	t.deepEqual(parseSelectorSpec('group=adm'), { kind: 'group', name: 'adm' });
	for (const bad of [
		undefined,
		'',
		'uid',
		'uid=',
		'uid=-1',
		'uid=4294967295',
		'uid=1x',
		'pid=3',
		'user=',
		'user=a:b',
		'user=a b',
		'group=-x',
		'uid= 1',
	]) {
		t.is(parseSelectorSpec(bad), null, String(bad));
	}
});

const PASSWD = [
	'root:x:0:0:root:/root:/bin/bash',
	'# a comment',
	'alice:x:2000:2000::/home/alice:/bin/sh',
	'bob:x:2001:100::/home/bob:/bin/sh',
	'broken:x:notanumber:1::/:/bin/false',
	'+nis',
	'alice:x:9999:9999:duplicate::',
	'',
].join('\n');
const GROUP = ['root:x:0:', 'users:x:100:', 'ops:x:300:alice, carol', 'bad:x:y:', 'ops:x:301:'].join('\n');

test('passwd and group parsing skips malformed lines; the first entry of a name wins', t => {
	const users = parsePasswd(PASSWD);
	t.deepEqual([...users.keys()], ['root', 'alice', 'bob']);
	t.deepEqual(users.get('alice'), { uid: 2000, gid: 2000 });
	const groups = parseGroup(GROUP);
	t.deepEqual(groups.get('ops'), { gid: 300, members: ['alice', 'carol'] });
	t.false(groups.has('bad'));
});

test('rules from names: members by listing and by primary group; unknown names are errors', t => {
	const accounts: Accounts = { users: parsePasswd(PASSWD), groups: parseGroup(GROUP) };
	const ops = makeRule('operator', 'group=ops', accounts);
	if (typeof ops === 'string') return t.fail(ops);
	t.is(roleOf(policy(ops), peer(2000)), 'operator', 'alice is listed in ops');
	t.is(roleOf(policy(ops), peer(2001, 100)), null, 'bob is not');
	const users = ruleFromSpec('observer:group=users', accounts);
	if (typeof users === 'string') return t.fail(users);
	t.is(roleOf(policy(users), peer(2001, 2001)), 'observer', 'bob has users as his primary group');
	const bob = ruleFromSpec('admin:user=bob', accounts);
	t.deepEqual(typeof bob === 'string' ? bob : bob.selector, { kind: 'uid', uid: 2001 });
	t.regex(ruleFromSpec('observer:user=nobody-here', accounts) as string, /^unknown user "nobody-here"/);
	t.regex(ruleFromSpec('observer:group=nogroup-here', accounts) as string, /^unknown group "nogroup-here"/);
	t.regex(ruleFromSpec('root:uid=1', accounts) as string, /^invalid role "root"/);
	t.regex(ruleFromSpec('observer', accounts) as string, /^invalid selector ""/);
	t.regex(makeRule('observer', 'uid=x', accounts) as string, /^invalid selector "uid=x"/);
});

test('--allow syntax check needs no account database', t => {
	t.is(checkRuleSpec('observer:uid=65534'), null);
	t.is(checkRuleSpec('operator:user=someone'), null);
	t.regex(checkRuleSpec('superuser:uid=1') ?? '', /^invalid role/);
	t.regex(checkRuleSpec('observer:') ?? '', /^invalid selector/);
	t.regex(checkRuleSpec('observer') ?? '', /^invalid selector/);
});

test('a peer outside the PID namespace (pid 0) has no role, not even as root, unless allowed', t => {
	const foreignRoot = peer(0, 0, 0);
	t.is(roleOf(policy(uidRule('observer', 0)), foreignRoot), null);
	t.is(roleOf(policy(), peer(OWNER, OWNER, 0)), null);
	t.is(decide(policy(), foreignRoot, 'read'), 'deny');
	t.is(roleOf({ ...policy(), allowForeignPidns: true }, foreignRoot), 'admin');
	t.is(roleOf({ ...policy(uidRule('observer', 33)), allowForeignPidns: true }, peer(33, 33, 0)), 'observer');
});
