// Error lines of every command (spec §5.1, §7), table-driven, in the order §7 says they are
// checked: `error\t<MESSAGE>, for command "<CONTEXT>"` with the 1.1 message texts, the context
// rule of §5.1 (with our fix for exactly 30 bytes), the log lines, and that failures change nothing.

import test from 'ava';
import { fixture, startDaemon, type Daemon } from './helpers/daemon.js';

/** §5.1 with the man page's fix: whole up to 30 bytes, else the first 30 bytes and `...`. */
function expectedError(message: string, line: string): string {
	return `error\t${message}, for command "${line.length <= 30 ? line : `${line.slice(0, 30)}...`}"`;
}

// Services the rows refer to: `idle` (never started), `noargs` (no argument vector), `run` (up).
async function setUp(d: Daemon): Promise<number> {
	await d.command('service.args\tidle\t/bin/true');
	await d.command('service.tags\tnoargs\tx');
	await d.command(`service.args\trun\t${fixture('sleep-forever.sh')}`);
	d.send('service.start\trun');
	const up = await d.stdout.waitFor(/^service\.state\trun\tup\t/);
	return Number(up.split('\t')[4]);
}

const longName = 'n'.repeat(32);

const SERVICE_ROWS: ReadonlyArray<readonly [string, string]> = [
	['service.tags', 'Expected service name'],
	['service.tags\t', 'Expected service name'],
	['service.tags\tbad name', 'Invalid service name'],
	['service.tags\tsl/ash', 'Invalid service name'],
	[`service.tags\t${longName}`, 'Invalid service name'],
	['service.args', 'Expected service name'],
	['service.args\t\t/bin/true', 'Expected service name'],
	['service.args\tx:y\t/bin/true', 'Invalid service name'],
	['service.fds', 'Expected service name'],
	['service.fds\tidle\tnull\tbad name', 'invalid fd name'],
	[`service.fds\tidle\t${longName}`, 'invalid fd name'],
	['service.auto_up', 'Expected service name'],
	['service.auto_up\t*\t1', 'Invalid service name'],
	['service.auto_up\tidle', 'Expected integer'],
	['service.auto_up\tidle\t', 'Expected integer'],
	['service.auto_up\tidle\tx', 'Expected integer'],
	['service.auto_up\tidle\t+5', 'Expected integer'],
	['service.auto_up\tidle\t1.5', 'Expected integer'],
	['service.auto_up\tidle\t 5', 'Expected integer'],
	['service.auto_up\tidle\t0x10', 'Expected integer'],
	['service.auto_up\tidle\t99999999999999999999', 'Expected integer'],
	['service.auto_up\tidle\t0', 'invalid interval'],
	['service.auto_up\tidle\t-1', 'invalid interval'],
	['service.auto_up\tidle\t2147483648', 'invalid interval'],
	['service.auto_up\tidle\t5\tbogus', 'unable to set auto_up triggers'],
	['service.auto_up\tidle\t5\t1', 'unable to set auto_up triggers'],
	['service.auto_up\tidle\t5\thup', 'unable to set auto_up triggers'],
	['service.auto_up\tidle\t5\tSIGFOO', 'unable to set auto_up triggers'],
	['service.auto_up\tidle\t5\tHUP\t\tfoo', 'unable to set auto_up triggers'],
	['service.start', 'Expected service name'],
	['service.start\t', 'Expected service name'],
	['service.start\ta b', 'Invalid service name'],
	['service.start\tnosuch', 'No such service'],
	['service.start\tidle\t', 'invalid timestamp'],
	['service.start\tidle\tx', 'invalid timestamp'],
	['service.start\tidle\t1', 'invalid timestamp'],
	['service.start\tidle\t2147483648', 'invalid timestamp'],
	['service.start\tnoargs\tx', 'invalid timestamp'],
	['service.start\tnoargs', 'no args configured for service'],
	['service.start\trun', 'service is not startable'],
	['service.start\tidle\t-', 'no service.start pending'],
	['service.start\trun\t-', 'no service.start pending'],
	['service.signal', 'Expected service name'],
	['service.signal\tnosuch\tHUP', 'No such service'],
	['service.signal\trun', 'Expected signal argument'],
	['service.signal\trun\t', 'Expected signal argument'],
	['service.signal\trun\t9x', 'Invalid signal number'],
	['service.signal\trun\t65536', 'Invalid signal number'],
	['service.signal\trun\tFOO', 'Invalid signal argument'],
	['service.signal\trun\tusr1', 'Invalid signal argument'],
	['service.signal\trun\tCONT\tgrp', 'unknown option "grp"'],
	['service.signal\trun\tCONT\t', 'unknown option ""'],
	['service.signal\trun\tCONT\tgroup,', 'unknown option ""'],
	['service.signal\tidle\tFOO', 'Invalid signal argument'],
	['service.signal\tidle\tCONT', 'service is not running'],
	['service.delete', 'Expected service name'],
	['service.delete\tnosuch', 'No such service'],
	['service.delete\trun', 'service is running'],
];

const OTHER_ROWS: ReadonlyArray<readonly [string, string]> = [
	['fd.pipe', 'Expected file descriptor name'],
	['fd.pipe\ta b\tx', 'Invalid file descriptor name'],
	['fd.pipe\tnull\tx', 'File descriptor cannot be altered'],
	['fd.pipe\tx\tcontrol.cmd', 'File descriptor cannot be altered'],
	['fd.pipe\tr\tw\tbogus', 'unknown flag "bogus"'],
	['fd.open\tf1', 'missing flags argument'],
	['fd.open\tf1\tread', 'missing path argument'],
	['fd.open\tf1\tread\t/dev/null\textra', 'unexpected argument after path'],
	['fd.open\tf1\ttruncate\t/dev/null', 'unknown flag "truncate"'],
	['fd.open\tf1\tread\t/nonexistent/x', 'open failed: No such file or directory'],
	['fd.open\tf1\tread\t', 'open failed: No such file or directory'],
	['fd.open\tcontrol.event\tread\t/dev/null', 'File descriptor cannot be altered'],
	['fd.delete', 'Expected file descriptor name'],
	['fd.delete\tnull', 'File descriptor cannot be altered'],
	['fd.delete\tnosuch', 'No such file descriptor'],
	['chdir', 'missing path argument'],
	['chdir\t/\tx', 'unexpected argument after path'],
	['chdir\t/nonexistent', 'chdir failed: No such file or directory'],
	['chdir\t', 'chdir failed: No such file or directory'],
	['log.filter\twarn', 'Invalid loglevel argument'],
	['log.filter\t', 'Invalid loglevel argument'],
	['log.filter\tINFO', 'Invalid loglevel argument'],
	['log.dest', 'missing argument'],
	['log.dest\tfile\tx', 'Unknown logging type'],
	['log.dest\tfd', 'Expected file descriptor name'],
	['log.dest\tfd\ta b', 'Invalid file descriptor name'],
	['conn.event_timeout', 'Expected integer'],
	['conn.event_timeout\t1', 'Expected integer'],
	['conn.event_timeout\t-1\t2', 'invalid timeout (must be 0..7FFFFFFF)'],
	['conn.event_timeout\t1\t2147483648', 'invalid timeout (must be 0..7FFFFFFF)'],
	['conn.event_timeout\t2\t1', 'reset timeout is greater than close timeout'],
	['signal.clear', 'Expected signal argument'],
	['signal.clear\t9x\t1', 'Invalid signal number'],
	['signal.clear\tHUP', 'Expected integer'],
	['signal.clear\tHUP\tx', 'Expected integer'],
	['signal.clear\tFOO\t1', 'Invalid signal argument'],
	['signal.clear\tHUP\t-1', 'invalid count (must be 0 or more)'],
	['terminate.guard', 'expected + or -'],
	['terminate.guard\tx\t1', 'expected + or -'],
	['terminate.guard\t+', 'Expected integer'],
	['terminate.guard\t+\t0', 'code cannot be 0'],
	['terminate.guard\t-\t1', 'terminate guard was not set'],
	['terminate', 'Expected integer'],
	['terminate\tx', 'Expected integer'],
	['terminate\t1.0', 'Expected integer'],
	['socket.create', 'missing argument'],
	['socket.create\t-', 'missing argument'],
	['socket.create\tx\tp', 'Invalid options'],
	['socket.create\t-\t', 'Failed to create control socket'],
];

// statedump with the durations blanked, which change with time alone.
async function snapshot(d: Daemon): Promise<string[]> {
	return (await d.command('statedump')).map(line => {
		const f = line.split('\t');
		if (f[0] === 'service.state') f[7] = f[8] = '*';
		return f.join('\t');
	});
}

for (const [title, rows] of [
	['service.*', SERVICE_ROWS],
	['other', OTHER_ROWS],
] as const) {
	test(`${title} commands: each failure is one 1.1-shaped error line, and changes nothing`, async t => {
		const d = await startDaemon(t, []);
		await setUp(d);
		const before = await snapshot(d);
		for (const [line, message] of rows) {
			t.deepEqual(await d.command(line), [expectedError(message, line)], JSON.stringify(line));
		}
		t.deepEqual(await snapshot(d), before);
	});
}

test('service.signal … group: every service leads its own process group, so there is one to signal (1.1: "can\'t kill")', async t => {
	const d = await startDaemon(t, []);
	await setUp(d);
	t.deepEqual(await d.command('service.signal\trun\tCONT\tgroup'), []);
});

test('error context: 29 and 30 bytes shown whole, 31 bytes cut to 30 plus "..." (§5.1, our fix)', async t => {
	const d = await startDaemon(t, []);
	t.deepEqual(await d.command('service.start\tabcdefghijklmno'), [
		'error\tNo such service, for command "service.start\tabcdefghijklmno"',
	]);
	t.deepEqual(await d.command('service.start\tabcdefghijklmnop'), [
		'error\tNo such service, for command "service.start\tabcdefghijklmnop"',
	]);
	t.deepEqual(await d.command('service.start\tabcdefghijklmnopq'), [
		'error\tNo such service, for command "service.start\tabcdefghijklmnop..."',
	]);
	const long = `service.start\t${'x'.repeat(1009)}`; // 1023 bytes, an invalid name
	t.deepEqual(await d.command(long), [
		`error\tInvalid service name, for command "service.start\t${'x'.repeat(16)}..."`,
	]);
	// Messages are not cut to 63 bytes (1.1 did).
	const program = `/nonexistent/${'p'.repeat(80)}`;
	await d.command(`service.args\tlongpath\t${program}`);
	t.deepEqual(await d.command('service.start\tlongpath'), [
		`error\tcannot execute "${program}": No such file or directory, for command "service.start\tlongpath"`,
	]);
	// The log gets the line (up to 90 bytes, then `'...`) and the message.
	await d.stderr.waitFor("error: controller[0] command failed: 'service.start\\tabcdefghijklmnop'");
	t.is(await d.stderr.next(), "error:   with error: 'No such service'");
	await d.stderr.waitFor(`error: controller[0] command failed: '${long.slice(0, 90).replace('\t', '\\t')}'...`);
	t.is(await d.stderr.next(), "error:   with error: 'Invalid service name'");
});
