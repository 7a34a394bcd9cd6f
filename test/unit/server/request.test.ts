// Unit tests of src/server/request.ts, the dispatch boundary of dispatch.ts: untagged replies in
// the 1.1 shapes, tagged ones with exactly one terminal line, ignored lines, unknown commands
// (a Map: `__proto__` is just unknown), the role check per command class, audit events for
// commands that may change state, and a handler's exception turned into the internal-error reply
// while the connection (and the daemon) go on. The handlers here are stand-ins under real verb
// names, so the command classes are the real ones; no addon is loaded. The command families have
// their own tests (commands/*.test.ts), except fd.* (fd.pipe, fd.open, fd.socket, fd.delete,
// fd.take): fd-commands.ts makes its system calls through the addon, so those are left to the
// integration tests (handles-commands, handles-take, core-fds).

import test from 'ava';
import type { CommandHandler } from '../../../src/server/command-context.js';
import { PoolFullError } from '../../../src/supervisor/pools.js';
import { FakeCommandHost } from '../helpers/fake-command-host.js';

/** Stand-ins under real verb names; `calls` records what they were asked, in order. */
const standIns = (calls: string[]): ReadonlyArray<readonly [string, CommandHandler]> => [
	['echo', ctx => ctx.reply(ctx.args.join(' '))], // read
	['service.start', ctx => void calls.push(`start ${ctx.args[0] ?? ''}`)], // control
	[
		'service.args',
		ctx => {
			// admin
			if (ctx.args[0] === 'bad') return ctx.fail('Invalid service name');
			calls.push(`args ${ctx.args.join(' ')}`);
			ctx.reply('warning: noted');
		},
	],
	['statedump', () => ['fd.state\tnull\tspecial\tread,write\t/dev/null', 'signal\tSIGHUP\t1\t1']], // read, streamed
	[
		'service.delete',
		() => {
			// admin
			throw new Error('kaboom');
		},
	],
	[
		'fd.delete',
		() => {
			// admin
			throw new PoolFullError('Unable to allocate new file descriptor object');
		},
	],
	[
		'events.resume',
		function* () {
			// read, streamed, fails half-way
			yield 'one';
			throw new Error('mid-stream');
		},
	],
];

function setup() {
	const calls: string[] = [];
	const host = new FakeCommandHost(Object.fromEntries(standIns(calls)));
	return { host, calls, conn: host.connect('admin') };
}

test('untagged: the reply as it is, and nothing after it', t => {
	const { conn } = setup();
	t.deepEqual(conn.send('echo\thello\tworld'), ['hello world']);
	t.deepEqual(conn.send('service.args\tweb\t/bin/true'), ['warning: noted']);
});

test('tagged: every line tagged, then one terminal ok', t => {
	const { conn, calls } = setup();
	t.deepEqual(conn.send(':a1\techo\thi'), [':a1\thi', ':a1\tok']);
	t.deepEqual(conn.send(':a2\tservice.start\tweb'), [':a2\tok']);
	t.deepEqual(conn.send(':a3'), [':a3\tok'], 'a lone tag is an ignored line, answered ok');
	t.deepEqual(calls, ['start web']);
});

test('a failure: the 1.1 error line untagged, the terminal error tagged; both logged', t => {
	const { host, conn } = setup();
	t.deepEqual(conn.send('service.args\tbad'), ['error\tInvalid service name, for command "service.args\tbad"']);
	t.deepEqual(conn.send(':x\tservice.args\tbad'), [':x\terror\tInvalid service name']);
	t.deepEqual(withoutDebug(host.logLines), [
		"error: controller[0] command failed: 'service.args\\tbad'",
		"error:   with error: 'Invalid service name'",
		"error: controller[0] command failed: 'service.args\\tbad'",
		"error:   with error: 'Invalid service name'",
	]);
});

test('the error context is cut at 30 bytes', t => {
	const { conn } = setup();
	const line = `service.args\tbad\t${'x'.repeat(40)}`;
	t.deepEqual(conn.send(line), [`error\tInvalid service name, for command "${line.slice(0, 30)}..."`]);
});

test('ignored lines get no answer untagged', t => {
	const { conn } = setup();
	t.deepEqual(conn.send(''), []);
	t.deepEqual(conn.send('# a comment'), []);
	t.deepEqual(conn.send(' \t\r'), []);
	t.deepEqual(conn.send(':t\t# tagged comment'), [':t\tok']);
});

test('an unknown command, including names of Object.prototype', t => {
	const { host, conn } = setup();
	for (const verb of ['frob', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
		t.deepEqual(conn.send(`${verb}\targ`), [`error\tUnknown command: ${verb}`], verb);
	}
	t.deepEqual(conn.send(':u\tfrob'), [':u\terror\tUnknown command: frob']);
	t.is(withoutDebug(host.logLines)[0], 'error: controller[0] sent unknown command frob');
	t.deepEqual(host.audits, [], 'nothing ran, nothing to audit');
});

test('an invalid request tag is answered untagged, and nothing runs', t => {
	const { conn, calls } = setup();
	t.deepEqual(conn.send(':bad tag\tservice.start\tweb'), [
		'error\tinvalid request tag, for command ":bad tag\tservice.start\tweb"',
	]);
	t.deepEqual(conn.send(`:${'t'.repeat(33)}\techo`), [
		`error\tinvalid request tag, for command ":${'t'.repeat(29)}..."`,
	]);
	t.deepEqual(calls, []);
});

test('permission per role: observer reads, operator also controls, admin does everything', t => {
	const { host, calls } = setup();
	const expect = {
		observer: { 'echo\tx': true, 'service.start\tweb': false, 'service.args\tweb': false },
		operator: { 'echo\tx': true, 'service.start\tweb': true, 'service.args\tweb': false },
		admin: { 'echo\tx': true, 'service.start\tweb': true, 'service.args\tweb': true },
	} as const;
	for (const role of ['observer', 'operator', 'admin'] as const) {
		const conn = host.connect(role);
		for (const [line, allowed] of Object.entries(expect[role])) {
			const got = conn.send(line);
			const denied = [`error\tpermission denied (role ${role}), for command "${line}"`];
			if (allowed) t.notDeepEqual(got, denied, `${role}: ${line}`);
			else t.deepEqual(got, denied, `${role}: ${line}`);
		}
	}
	t.deepEqual(calls, ['start web', 'start web', 'args web']);
});

test('no role: every command is refused, even a read; tagged refusals are terminal errors', t => {
	const { host, calls } = setup();
	const conn = host.connect(null);
	t.deepEqual(conn.send('echo\tx'), ['error\tpermission denied (role none), for command "echo\tx"']);
	t.deepEqual(conn.send(':r\tservice.start\tweb'), [':r\terror\tpermission denied (role none)']);
	t.deepEqual(calls, []);
});

test('the role is asked for each command, so a new rule applies at once', t => {
	const { host } = setup();
	const conn = host.connect('observer');
	t.deepEqual(conn.send(':1\tservice.start\tweb'), [':1\terror\tpermission denied (role observer)']);
	host.setRole(conn.controller, 'operator');
	t.deepEqual(conn.send(':2\tservice.start\tweb'), [':2\tok']);
});

test('audit: every control and admin command, with its result; never a read', t => {
	const { host, conn: admin } = setup();
	const observer = host.connect('observer');
	admin.send('echo\tx');
	admin.send('statedump');
	admin.send('service.start\tweb');
	admin.send(':t\tservice.args\tbad');
	observer.send('service.args\tweb\t/bin/true');
	admin.send('service.delete\tweb');
	t.deepEqual(host.audits, [
		{ conn: 0, role: 'admin', result: 'ok', line: 'service.start\tweb' },
		{ conn: 0, role: 'admin', result: 'error', line: 'service.args\tbad' },
		{ conn: 1, role: 'observer', result: 'denied', line: 'service.args\tweb\t/bin/true' },
		{ conn: 0, role: 'admin', result: 'error', line: 'service.delete\tweb' },
	]);
});

test('a handler that throws: the internal-error reply, its stack in the log, and the connection goes on', t => {
	const { host, conn } = setup();
	t.deepEqual(conn.send('service.delete\tweb'), [
		'error\tinternal error (see the daemon log), for command "service.delete\tweb"',
	]);
	t.true(
		host.logLines.some(line => line.startsWith('error: command "service.delete" threw: Error: kaboom\\n    at ')),
		'logged with its stack',
	);
	t.deepEqual(conn.send(':t\tservice.delete\tweb'), [':t\terror\tinternal error (see the daemon log)']);
	t.deepEqual(conn.send('echo\tstill here'), ['still here']);
	t.is(conn.controller.state.phase, 'open');
});

test("a full pool thrown by a handler is that command's 1.1 error, not an internal error", t => {
	const { host, conn } = setup();
	t.deepEqual(conn.send('fd.delete\tx'), [
		'error\tUnable to allocate new file descriptor object, for command "fd.delete\tx"',
	]);
	t.false(host.logLines.some(line => line.includes('threw')));
});

test('streamed output: each line shaped for the issuer; a throw half-way ends it with the error', t => {
	const { conn } = setup();
	t.deepEqual(conn.send('statedump'), ['fd.state\tnull\tspecial\tread,write\t/dev/null', 'signal\tSIGHUP\t1\t1']);
	t.deepEqual(conn.send(':d\tstatedump'), [
		':d\tfd.state\tnull\tspecial\tread,write\t/dev/null',
		':d\tsignal\tSIGHUP\t1\t1',
		':d\tok',
	]);
	t.deepEqual(conn.send('events.resume\t0'), [
		'one',
		'error\tinternal error (see the daemon log), for command "events.resume\t0"',
	]);
	t.deepEqual(conn.send(':r\tevents.resume\t0'), [':r\tone', ':r\terror\tinternal error (see the daemon log)']);
});

test('statedump in seq mode ends with statedump.end and the newest number, before the terminal line', t => {
	const { host, conn } = setup();
	host.events.publish('signal', 'SIGHUP', 'signal\tSIGHUP\t1\t1');
	conn.controller.delivery.seqMode = true;
	t.deepEqual(conn.send('statedump').at(-1), 'statedump.end\t1');
	t.deepEqual(conn.send(':s\tstatedump').slice(-2), [':s\tstatedump.end\t1', ':s\tok']);
});

/** The log lines without -v's debug lines (the fake host logs every level). */
function withoutDebug(lines: readonly string[]): string[] {
	return lines.filter(line => !line.startsWith('debug: '));
}

test('each command received is a debug line, as in 1.1 (-v shows it)', t => {
	const { host, conn } = setup();
	conn.send(':t	service.args	bad');
	t.is(host.logLines[0], 'debug: controller[0] command: ":t\\tservice.args\\tbad"');
});
