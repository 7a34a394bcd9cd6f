// Unit tests of src/server/commands/daemon-commands.ts: echo, statedump, exit, logging, timeouts,
// signals, the terminate guard and exit, and the argument checks of chdir and socket.*, with the
// 1.1 error texts. What they ask of the process goes to a recording ProcessControl, so the real
// chdir(2) and control socket are left to the integration tests (core-*.test.ts, init-*.test.ts).

import test from 'ava';
import { daemonCommands } from '../../../../src/server/commands/daemon-commands.js';
import { serviceCommands } from '../../../../src/server/commands/service-commands.js';
import { FakeCommandHost } from '../../helpers/fake-command-host.js';

const SIGHUP = 1;
const SIGUSR1 = 10;

function setup() {
	const host = new FakeCommandHost({ ...daemonCommands, ...serviceCommands });
	return { host, conn: host.connect('admin'), process: host.process };
}

const err = (message: string, line: string): string[] => [
	`error\t${message}, for command "${line.length <= 30 ? line : `${line.slice(0, 30)}...`}"`,
];

test('echo: the rest of the line verbatim, TABs included; nothing for a bare echo', t => {
	const { conn } = setup();
	t.deepEqual(conn.send('echo\thello\t\tworld '), ['hello\t\tworld ']);
	t.deepEqual(conn.send('echo'), []);
	t.deepEqual(conn.send('echo\t'), []);
});

test('statedump: handles, five lines per service, then pending signals; marks the signals told', t => {
	const { host, conn } = setup();
	conn.send('service.args\tweb\t/bin/true');
	host.supervisor.signalArrived(SIGHUP);
	host.supervisor.signalArrived(SIGHUP);
	const dump = conn.send('statedump');
	t.deepEqual(dump.slice(0, 6), [
		'fd.state\tnull\tspecial\tread,write\t/dev/null',
		'service.state\tweb\tdown\t-\t-\t-\t-\t-\t-',
		'service.tags\tweb\t',
		'service.args\tweb\t/bin/true',
		'service.fds\tweb\tnull\tnull\tnull',
		'service.auto_up\tweb\t-',
	]);
	t.is(dump[6], 'signal\tSIGHUP\t1000\t2', 'signal, arrival time in seconds, count');
	t.is(dump.length, 7);
	t.is(conn.controller.delivery.signalMark, host.supervisor.signals.newestSeq);
});

test('exit: the connection ends after the lines before it', t => {
	const { conn } = setup();
	conn.stream.type('echo\tbye\nexit\necho\tnever\n');
	t.deepEqual(conn.stream.readLines(), ['bye']);
	t.is(conn.controller.state.phase, 'closed');
});

test('log.filter: levels by name, + and -, the current level as the reply', t => {
	const { host, conn } = setup();
	t.deepEqual(conn.send('log.filter'), ['log.filter\tnone']);
	t.deepEqual(conn.send('log.filter\twarning'), ['log.filter\twarning']);
	t.deepEqual(conn.send('log.filter\t+'), ['log.filter\terror']);
	t.deepEqual(conn.send('log.filter\t-'), ['log.filter\twarning']);
	t.deepEqual(conn.send('log.filter\tWARN'), err('Invalid loglevel argument', 'log.filter\tWARN'));
	t.is(host.log.filter, 'warning');
});

test('log.dest: checks, then the handle is followed; a missing one is a warning', t => {
	const { process, conn } = setup();
	t.deepEqual(conn.send('log.dest'), err('missing argument', 'log.dest'));
	t.deepEqual(conn.send('log.dest\tfile\tx'), err('Unknown logging type', 'log.dest\tfile\tx'));
	t.deepEqual(conn.send('log.dest\tfd'), err('Expected file descriptor name', 'log.dest\tfd'));
	t.deepEqual(conn.send('log.dest\tfd\tno good'), err('Invalid file descriptor name', 'log.dest\tfd\tno good'));
	t.deepEqual(conn.send('log.dest\tfd\tknown'), []);
	t.deepEqual(conn.send('log.dest\tfd\tlater'), ['warning\tfd "later" does not exist']);
	t.deepEqual(process.logTargets, ['known', 'later']);
});

test("conn.event_timeout: integers in range, reset not above close; sets this connection's timeouts", t => {
	const { host, conn } = setup();
	const line = (rest: string): string => `conn.event_timeout\t${rest}`;
	t.deepEqual(conn.send('conn.event_timeout\t5'), err('Expected integer', 'conn.event_timeout\t5'));
	t.deepEqual(conn.send(line('5\tsoon')), err('Expected integer', line('5\tsoon')));
	t.deepEqual(conn.send(line('-1\t5')), err('invalid timeout (must be 0..7FFFFFFF)', line('-1\t5')));
	t.deepEqual(conn.send(line('5\t2147483648')), err('invalid timeout (must be 0..7FFFFFFF)', line('5\t2147483648')));
	t.deepEqual(conn.send(line('6\t5')), err('reset timeout is greater than close timeout', line('6\t5')));
	t.deepEqual(conn.controller.timeouts, { resetSec: 15, closeSec: 30 }, 'unchanged by failures');
	t.deepEqual(conn.send(line('0\t2147483647')), []);
	t.deepEqual(conn.controller.timeouts, { resetSec: 0, closeSec: 2147483647 });
	t.deepEqual(
		host.connect().controller.timeouts,
		{ resetSec: 15, closeSec: 30 },
		'another connection keeps the defaults',
	);
});

test('signal.clear: signal and count checked; subtracts from the pending count', t => {
	const { host, conn } = setup();
	const { signals } = host.supervisor;
	for (let i = 0; i < 3; i++) host.supervisor.signalArrived(SIGUSR1);
	t.deepEqual(conn.send('signal.clear'), err('Expected signal argument', 'signal.clear'));
	t.deepEqual(conn.send('signal.clear\tSIGNOPE\t1'), err('Invalid signal argument', 'signal.clear\tSIGNOPE\t1'));
	t.deepEqual(conn.send('signal.clear\tUSR1'), err('Expected integer', 'signal.clear\tUSR1'));
	t.deepEqual(conn.send('signal.clear\tUSR1\t-1'), err('invalid count (must be 0 or more)', 'signal.clear\tUSR1\t-1'));
	t.deepEqual(conn.send('signal.clear\tSIGUSR1\t2'), []);
	t.deepEqual(
		signals.pendingList().map(c => [c.signal, c.count]),
		[[SIGUSR1, 1]],
	);
	t.deepEqual(conn.send('signal.clear\t10\t5'), []);
	t.deepEqual(signals.pendingList(), []);
});

test('terminate.exec_args: stores the argument vector; none clears it', t => {
	const { process, conn } = setup();
	conn.send('terminate.exec_args\t/sbin/init\t--next');
	t.deepEqual(process.execOnExit, ['/sbin/init', '--next']);
	conn.send('terminate.exec_args');
	t.is(process.execOnExit, null);
	conn.send('terminate.exec_args\t/sbin/init');
	conn.send('terminate.exec_args\t');
	t.is(process.execOnExit, null, 'one empty field is none');
});

test('terminate.exec_args: a NUL in an argument is refused and the vector kept', t => {
	const { process, conn } = setup();
	conn.send('terminate.exec_args\t/sbin/init\t--next');
	for (const line of [
		'terminate.exec_args\t/bin/true\ta\0b',
		'terminate.exec_args\t\0',
		'terminate.exec_args\t/sb\0in/x',
	]) {
		t.deepEqual(conn.send(line), err('argument contains a NUL byte', line));
		t.deepEqual(process.execOnExit, ['/sbin/init', '--next']);
	}
});

test('terminate.guard: set once, cleared only with its code', t => {
	const { process, conn } = setup();
	const line = (rest: string): string => `terminate.guard\t${rest}`;
	t.deepEqual(conn.send('terminate.guard'), err('expected + or -', 'terminate.guard'));
	t.deepEqual(conn.send(line('+')), err('Expected integer', line('+')));
	t.deepEqual(conn.send(line('+\t0')), err('code cannot be 0', line('+\t0')));
	t.deepEqual(conn.send(line('-\t7')), err('terminate guard was not set', line('-\t7')));
	t.deepEqual(conn.send(line('+\t7')), []);
	t.is(process.guard, 7n);
	t.deepEqual(conn.send(line('+\t8')), err('terminate guard code is already set', line('+\t8')));
	t.deepEqual(conn.send(line('-\t8')), err('incorrect guard code', line('-\t8')));
	t.deepEqual(conn.send(line('-\t7')), []);
	t.is(process.guard, 0n);
});

test('terminate: an 8-bit exit status; with a guard, its code and an exec-on-exit program are needed', t => {
	const { process, conn } = setup();
	t.deepEqual(conn.send('terminate'), err('Expected integer', 'terminate'));
	conn.send('terminate\t-1');
	conn.send('terminate\t300');
	t.deepEqual(process.exits, [
		[255, 'terminated normally'],
		[44, 'terminated normally'],
	]);
	conn.send('terminate.guard\t+\t42');
	t.deepEqual(conn.send('terminate\t0'), err('terminate guard code required', 'terminate\t0'));
	t.deepEqual(conn.send('terminate\t0\t41'), err('incorrect terminate guard code', 'terminate\t0\t41'));
	t.deepEqual(
		conn.send('terminate\t0\t42'),
		err('cannot exit, and exec-on-exit is not configured', 'terminate\t0\t42'),
	);
	conn.send('terminate.exec_args\t/sbin/init');
	t.deepEqual(conn.send('terminate\t3\t42'), []);
	t.deepEqual(process.exits.at(-1), [3, 'terminated normally']);
});

test('chdir: one path; the failure of chdir(2) quoted', t => {
	const { process, conn } = setup();
	t.deepEqual(conn.send('chdir'), err('missing path argument', 'chdir'));
	t.deepEqual(conn.send('chdir\t/tmp\tx'), err('unexpected argument after path', 'chdir\t/tmp\tx'));
	t.deepEqual(conn.send('chdir\t/nonexistent'), err('chdir failed: No such file or directory', 'chdir\t/nonexistent'));
	t.deepEqual(conn.send('chdir\t/tmp'), []);
	t.deepEqual(process.chdirs, ['/nonexistent', '/tmp']);
});

test('socket.create, socket.delete: options and path checked, then the control socket replaced or closed', t => {
	const { process, conn } = setup();
	t.deepEqual(conn.send('socket.create'), err('missing argument', 'socket.create'));
	t.deepEqual(conn.send('socket.create\t-'), err('missing argument', 'socket.create\t-'));
	t.deepEqual(
		conn.send('socket.create\tmode=600\t/run/x.sock'),
		err('Invalid options', 'socket.create\tmode=600\t/run/x.sock'),
	);
	t.deepEqual(
		conn.send('socket.create\t-\t/nonexistent/x.sock'),
		err('Failed to create control socket', 'socket.create\t-\t/nonexistent/x.sock'),
	);
	t.deepEqual(conn.send('socket.create\t\t/run/x.sock'), []);
	t.deepEqual(conn.send('socket.delete'), []);
	t.deepEqual(process.sockets, ['/nonexistent/x.sock', '/run/x.sock', null]);
});
