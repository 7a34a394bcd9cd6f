// Unit tests of src/server/commands/service-commands.ts: the service.* commands' argument checks
// in the 1.1 order with their exact error texts, and their effect on a real Supervisor over fake
// ports (no process is spawned: the fake host hands out pids). A failed command changes nothing.
// service.start checks its program on the file system (program-check.ts), read-only; the rest of
// a start, and the fd.* family, are covered by the integration tests.

import test from 'ava';
import { serviceCommands } from '../../../../src/server/commands/service-commands.js';
import { FakeCommandHost } from '../../helpers/fake-command-host.js';

const PROGRAM = process.execPath;
const SIGTERM = 15;

function setup() {
	const host = new FakeCommandHost(serviceCommands);
	return { host, conn: host.connect('admin'), supervisor: host.supervisor };
}

const err = (message: string, line: string): string[] => [
	`error\t${message}, for command "${line.length <= 30 ? line : `${line.slice(0, 30)}...`}"`,
];

test('the service name check shared by every service.* command', t => {
	const { conn, supervisor } = setup();
	for (const verb of [
		'service.tags',
		'service.args',
		'service.fds',
		'service.auto_up',
		'service.start',
		'service.signal',
		'service.delete',
	]) {
		t.deepEqual(conn.send(verb), err('Expected service name', verb), verb);
		t.deepEqual(conn.send(`${verb}\t`), err('Expected service name', `${verb}\t`), verb);
		t.deepEqual(conn.send(`${verb}\tno/slash`), err('Invalid service name', `${verb}\tno/slash`), verb);
		t.deepEqual(
			conn.send(`${verb}\t${'n'.repeat(32)}`),
			err('Invalid service name', `${verb}\t${'n'.repeat(32)}`),
			verb,
		);
	}
	for (const verb of ['service.start', 'service.signal', 'service.delete']) {
		t.deepEqual(
			conn.send(`${verb}\tghost`),
			err('No such service', `${verb}\tghost`),
			`${verb} needs an existing service`,
		);
	}
	t.deepEqual(supervisor.serviceNames(), [], 'no failed command created a service');
});

test('service.args, service.tags: stored and announced; one empty field is an empty list', t => {
	const { host, conn, supervisor } = setup();
	t.deepEqual(conn.send(`service.args\tweb\t${PROGRAM}\t-e\t`), []);
	t.deepEqual(supervisor.service('web')?.args, [PROGRAM, '-e', '']);
	t.deepEqual(conn.send('service.tags\tweb\tfront\tcritical'), []);
	t.deepEqual(supervisor.service('web')?.tags, ['front', 'critical']);
	conn.send('service.args\tweb\t');
	t.deepEqual(supervisor.service('web')?.args, []);
	t.deepEqual(host.emitted, [
		`service.args\tweb\t${PROGRAM}\t-e\t`,
		'service.tags\tweb\tfront\tcritical',
		'service.args\tweb\t',
	]);
});

test('service.args: a NUL in an argument is refused; the service is neither created nor changed', t => {
	const { host, conn, supervisor } = setup();
	const line = `service.args\tweb\t${PROGRAM}\ta\0b`;
	t.deepEqual(conn.send(line), err('argument contains a NUL byte', line));
	t.is(supervisor.service('web'), undefined);
	conn.send(`service.args\tweb\t${PROGRAM}`);
	const again = 'service.args\tweb\t/bin/tr\0ue';
	t.deepEqual(conn.send(again), err('argument contains a NUL byte', again));
	t.deepEqual(supervisor.service('web')?.args, [PROGRAM]);
	t.deepEqual(host.emitted, [`service.args\tweb\t${PROGRAM}`]);
});

test('service.fds: names checked; each entry that is no handle now is a warning, and the list is still set', t => {
	const { conn, supervisor } = setup();
	t.deepEqual(
		conn.send('service.fds\tweb\tlater\tbad name'),
		['warning: fd "later" is not yet defined', ...err('invalid fd name', 'service.fds\tweb\tlater\tbad name')],
		'warnings for the entries before the bad one',
	);
	t.is(supervisor.service('web'), undefined);
	t.deepEqual(conn.send('service.fds\tweb\tnull\t\tlater'), [
		'warning: fd "" is not yet defined',
		'warning: fd "later" is not yet defined',
	]);
	t.deepEqual(supervisor.service('web')?.fds, ['null', '', 'later']);
});

test('service.auto_up: interval and triggers checked, then stored', t => {
	const { conn, supervisor } = setup();
	const line = (rest: string): string => `service.auto_up\tweb\t${rest}`;
	t.deepEqual(conn.send(line('0')), err('invalid interval', line('0')));
	t.deepEqual(conn.send(line('-5')), err('invalid interval', line('-5')));
	t.deepEqual(conn.send(line('2147483648')), err('invalid interval', line('2147483648')));
	t.deepEqual(conn.send(line('soon')), err('Expected integer', line('soon')));
	t.deepEqual(
		conn.send(line('5\tSIGHUP\tSIGBOGUS')),
		err('unable to set auto_up triggers', line('5\tSIGHUP\tSIGBOGUS')),
	);
	t.is(supervisor.service('web'), undefined, 'nothing was created by a failure');
	t.deepEqual(conn.send(line('5\tSIGHUP\t\tUSR1')), []);
	t.like(supervisor.service('web'), { interval: 5, triggers: ['SIGHUP', 'USR1'] });
	t.deepEqual(conn.send(line('-\tSIGHUP')), [], '`-` keeps the interval');
	t.like(supervisor.service('web'), { interval: 5, triggers: ['SIGHUP'] });
});

test('service.start: args and program checked; a start now spawns on the next turn', t => {
	const { host, conn, supervisor } = setup();
	conn.send('service.tags\tweb\tx');
	t.deepEqual(conn.send('service.start\tweb'), err('no args configured for service', 'service.start\tweb'));
	conn.send('service.args\tweb\t/nonexistent/program');
	t.deepEqual(
		conn.send('service.start\tweb'),
		err('cannot execute "/nonexistent/program": No such file or directory', 'service.start\tweb'),
	);
	t.is(supervisor.service('web')?.phase, 'down');
	conn.send(`service.args\tweb\t${PROGRAM}`);
	t.deepEqual(conn.send('service.start\tweb'), []);
	t.is(supervisor.service('web')?.phase, 'start');
	host.tick();
	t.is(supervisor.service('web')?.phase, 'up');
	t.deepEqual(
		host.spawned.map(plan => plan.argv),
		[[PROGRAM]],
	);
	t.deepEqual(conn.send('service.start\tweb'), err('service is not startable', 'service.start\tweb'));
});

test('service.start at a time: not in the past; `-` cancels a pending start', t => {
	const { host, conn, supervisor } = setup();
	const nowSec = Math.floor(host.clock.now() / 1000);
	conn.send(`service.args\tweb\t${PROGRAM}`);
	t.deepEqual(conn.send('service.start\tweb\t-'), err('no service.start pending', 'service.start\tweb\t-'));
	t.deepEqual(
		conn.send(`service.start\tweb\t${nowSec - 1}`),
		err('invalid timestamp', `service.start\tweb\t${nowSec - 1}`),
	);
	t.deepEqual(conn.send('service.start\tweb\tlater'), err('invalid timestamp', 'service.start\tweb\tlater'));
	t.deepEqual(conn.send(`service.start\tweb\t${nowSec + 5}`), []);
	t.like(supervisor.service('web'), { phase: 'start', startAt: (nowSec + 5) * 1000 });
	host.clock.advance(4000);
	t.is(supervisor.service('web')?.phase, 'start');
	t.deepEqual(conn.send('service.start\tweb\t-'), []);
	host.clock.advance(10_000);
	t.is(supervisor.service('web')?.phase, 'down');
	t.deepEqual(host.spawned, []);
	t.deepEqual(conn.send(`service.start\tweb\t${nowSec + 14}`), [], 'the current second counts as now');
});

test('service.signal: signal and options checked; sent to the process or its whole tree', t => {
	const { host, conn } = setup();
	conn.send(`service.args\tweb\t${PROGRAM}`);
	t.deepEqual(conn.send('service.signal\tweb\tTERM'), err('service is not running', 'service.signal\tweb\tTERM'));
	conn.send('service.start\tweb');
	host.tick();
	const pid = host.supervisor.service('web')?.pid ?? 0;
	t.deepEqual(conn.send('service.signal\tweb'), err('Expected signal argument', 'service.signal\tweb'));
	t.deepEqual(
		conn.send('service.signal\tweb\tSIGNOPE'),
		err('Invalid signal argument', 'service.signal\tweb\tSIGNOPE'),
	);
	t.deepEqual(conn.send('service.signal\tweb\t9x'), err('Invalid signal number', 'service.signal\tweb\t9x'));
	t.deepEqual(
		conn.send('service.signal\tweb\tTERM\tgroup,loud'),
		err('unknown option "loud"', 'service.signal\tweb\tTERM\tgroup,loud'),
	);
	t.deepEqual(host.killed, []);
	t.deepEqual(conn.send('service.signal\tweb\tSIGTERM'), []);
	t.deepEqual(conn.send('service.signal\tweb\t15\tgroup'), []);
	t.deepEqual(host.killed, [
		[pid, SIGTERM],
		[-pid, SIGTERM],
	]);
	host.killError = 'Operation not permitted';
	t.deepEqual(
		conn.send('service.signal\tweb\tTERM'),
		err(`can't kill web (pid ${pid}): Operation not permitted`, 'service.signal\tweb\tTERM'),
	);
});

test('service.delete: refused while running, else the service is gone', t => {
	const { host, conn, supervisor } = setup();
	conn.send(`service.args\tweb\t${PROGRAM}`);
	conn.send('service.start\tweb');
	host.tick();
	t.deepEqual(conn.send('service.delete\tweb'), err('service is running', 'service.delete\tweb'));
	supervisor.childrenExited([{ pid: supervisor.service('web')?.pid ?? 0, code: 0, signal: null }]);
	t.deepEqual(conn.send('service.delete\tweb'), []);
	t.is(supervisor.service('web'), undefined);
	t.is(host.emitted.at(-1), 'service.state\tweb\tdeleted\t-\t-\t-\t-\t-\t-');
});
