// service.user (daemonproxy(8)): a root daemon starts the service with the user's uid, gid and
// supplementary groups, as the child itself sees them; an unknown user or group is refused when
// the command is given and changes nothing; a daemon that is not root refuses the command.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { DEFAULT_TIMEOUT_MS, daemonBin, startDaemon, tempDir, watchPath } from './helpers/daemon.js';

/** nobody's ids from /etc/passwd, and the groups that list it, as `id -G` would show them. */
function nobody(): { uid: number; gid: number; groups: number[] } | null {
	const line = readFileSync('/etc/passwd', 'latin1')
		.split('\n')
		.find(l => l.startsWith('nobody:'));
	if (!line) return null;
	const [, , uid = '', gid = ''] = line.split(':');
	const groups = new Set([Number(gid)]);
	for (const g of readFileSync('/etc/group', 'latin1').split('\n')) {
		const [, , id = '', members = ''] = g.split(':');
		if (members.split(',').includes('nobody')) groups.add(Number(id));
	}
	return { uid: Number(uid), gid: Number(gid), groups: [...groups].sort((a, b) => a - b) };
}

const isRoot = process.geteuid?.() === 0;

/** Events of the 1.1 stream interleave on the interactive controller: only errors count. */
const errors = (lines: string[]): string[] => lines.filter(l => l.startsWith('error\t'));

test('service.user nobody: the child runs with its uid, gid and groups; clearing restores the daemon', async t => {
	const user = nobody();
	if (!isRoot || user === null) {
		t.log('skipped: needs root and a nobody account');
		t.pass();
		return;
	}
	const dir = await tempDir(t);
	const d = await startDaemon(t, []);
	const out = join(dir, 'ids');
	const script = 'grep -E "^(Uid|Gid|Groups):" /proc/self/status; echo done';
	await d.command(`fd.open\tout\twrite,create,trunc\t${out}`);
	await d.command(`service.args\tas-nobody\t/bin/sh\t-c\t${script}`);
	await d.command('service.fds\tas-nobody\tnull\tout\tout');
	t.deepEqual(errors(await d.command('service.user\tas-nobody\tnobody')), []);
	d.send('service.start\tas-nobody');
	const text = await watchPath(
		out,
		() => {
			const s = readFileSync(out, 'latin1');
			return s.endsWith('done\n') ? s : undefined;
		},
		'the ids',
	);
	const field = (name: string): string[] =>
		/^(\S+):\s+(.*)$/m.exec(text.split('\n').find(l => l.startsWith(`${name}:`)) ?? '')?.[2]?.split(/\s+/) ?? [];
	t.deepEqual(field('Uid'), Array(4).fill(String(user.uid)), text);
	t.deepEqual(field('Gid'), Array(4).fill(String(user.gid)), text);
	t.deepEqual(
		field('Groups')
			.filter(g => g !== '')
			.map(Number)
			.sort((a, b) => a - b),
		user.groups,
		text,
	);

	// USER:GROUP, numeric ids, and clearing.
	t.deepEqual(errors(await d.command(`service.user\tas-nobody\tnobody:${user.gid}`)), []);
	t.deepEqual(errors(await d.command('service.user\tas-nobody\t65534:65534')), []);
	t.deepEqual(errors(await d.command('service.user\tas-nobody')), []);
	await d.command(`fd.open\tout\twrite,create,trunc\t${out}`);
	d.send('service.start\tas-nobody');
	const again = await watchPath(
		out,
		() => {
			const s = readFileSync(out, 'latin1');
			return s.endsWith('done\n') ? s : undefined;
		},
		'the ids again',
	);
	t.regex(again, /^Uid:\s+0\s+0\s+0\s+0$/m);
});

test('service.user: an unknown user or group, or a bad spec, is refused and changes nothing', async t => {
	const d = await startDaemon(t, []);
	const rows: Array<[string, string]> = [
		['service.user\tsvc\tno-such-user-h16', 'unknown user "no-such-user-h16"'],
		['service.user\tsvc\tnobody:no-such-group-h16', 'unknown group "no-such-group-h16"'],
		['service.user\tsvc\tnobody:', 'invalid user "nobody:" (expected USER or USER:GROUP, names or numeric ids)'],
		['service.user\tsvc\t4000000', 'uid 4000000 has no passwd entry: give its group as 4000000:GROUP'],
		['service.user\tsvc\tnobody\textra', 'unexpected arguments'],
	];
	for (const [line, message] of rows) {
		const replies = await d.command(line);
		t.is(replies.length, 1, line);
		t.true(replies[0]?.startsWith(`error\t${message}, for command "`), `${line}: ${replies[0]}`);
	}
	t.false(
		(await d.command('statedump')).some(l => l.includes('\tsvc\t')),
		'no service was created',
	);
});

test('service.user in a daemon that is not root: a clear error', async t => {
	if (!isRoot) {
		t.log('skipped: needs root to start a daemon as nobody');
		t.pass();
		return;
	}
	const dir = await tempDir(t);
	// setpriv(1) drops to nobody before exec; the daemon reads its commands from stdin (-i).
	const result = await execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', daemonBin, '-i'], {
		cwd: dir,
		input: 'service.user\tsvc\tnobody\nterminate\t0\n',
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
	});
	const uid = nobody()?.uid ?? 65534;
	t.true(
		String(result.stdout).includes(
			`error\tservice.user needs a daemon running as root (this one runs as uid ${uid}), for command "service.user\tsvc\tnobody"`,
		),
		String(result.stdout) + String(result.stderr),
	);
});
