// Unit tests of src/server/commands/output-commands.ts over a fake host whose OutputBook the test
// fills: ring size and forward settings with their checks, output.tail (newest, all, at exit),
// output.follow (catch-up, gap, another run, then live through delivery.following), unfollow.

import test from 'ava';
import { outputCommands } from '../../../../src/server/commands/output-commands.js';
import { serviceCommands } from '../../../../src/server/commands/service-commands.js';
import { FakeCommandHost } from '../../helpers/fake-command-host.js';

function setup() {
	const host = new FakeCommandHost({ ...outputCommands, ...serviceCommands });
	const conn = host.connect('admin');
	conn.send('service.args\tweb\t/bin/true');
	return { host, conn };
}

const lineRe = (seq: number, text: string): RegExp => new RegExp(`^output\\tweb\\t${seq}\\t\\d+\\tstdout\\t${text}$`);

test('service.output_ring and service.output_forward: checked first, then stored', t => {
	const { host, conn } = setup();
	for (const bad of ['0', '-1', 'x', '1000001', ''])
		t.regex(conn.send(`service.output_ring\tweb\t${bad}`)[0] ?? '', /^error\tinvalid ring size/, bad);
	t.deepEqual(conn.send('service.output_ring\tweb\t5'), []);
	t.is(host.output.ring('web')?.capacity, 5);
	t.deepEqual(conn.send('service.output_ring\tweb\t-'), []);
	t.is(host.output.ring('web')?.capacity, host.output.defaultLines);
	t.regex(conn.send('service.output_forward\tweb\tlog:raw')[0] ?? '', /^error\tinvalid forward target "log:raw"/);
	t.regex(conn.send('service.output_forward\tweb\tok\tbad name')[0] ?? '', /^error\tinvalid forward target/);
	t.deepEqual(host.output.forwardTargets('web'), [], 'nothing stored after an error');
	t.deepEqual(conn.send('service.output_forward\tweb\tnull\tlog.w:prefix'), ['warning: fd "log.w" is not yet defined']);
	t.deepEqual(host.output.forwardTargets('web'), [
		{ handle: 'null', prefix: false },
		{ handle: 'log.w', prefix: true },
	]);
	t.deepEqual(conn.send('service.output_forward\tweb'), []);
	t.deepEqual(host.output.forwardTargets('web'), []);
});

test('output.tail: the newest lines then the mark; all with -, none with 0; the lines kept at exit', t => {
	const { host, conn } = setup();
	t.deepEqual(conn.send('output.tail\tweb'), ['output.tail\tweb\t0\tfakestream']);
	host.output.append('web', 'stdout', 1, ['a', 'b', 'c']);
	const two = conn.send('output.tail\tweb\t2');
	t.is(two.length, 3);
	t.regex(two[0] ?? '', lineRe(2, 'b'));
	t.regex(two[1] ?? '', lineRe(3, 'c'));
	t.is(two[2], 'output.tail\tweb\t3\tfakestream');
	t.is(conn.send('output.tail\tweb\t-').length, 4);
	t.deepEqual(conn.send('output.tail\tweb\t0'), ['output.tail\tweb\t3\tfakestream']);
	host.output.markExit('web');
	host.output.append('web', 'stdout', 1, ['d']);
	const atExit = conn.send(':t\toutput.tail\tweb\t1\texit');
	t.regex(atExit[0] ?? '', /^:t\toutput\tweb\t3\t/);
	t.is(atExit.at(-1), ':t\tok');
	t.regex(conn.send('output.tail\tweb\tx')[0] ?? '', /^error\tinvalid count/);
	t.regex(conn.send('output.tail\tweb\t1\tnow')[0] ?? '', /^error\texpected exit or nothing/);
	t.regex(conn.send('output.tail\tnope')[0] ?? '', /^error\tNo such service/);
});

test('output.follow: catches up after a number, says where lines were lost, then follows', t => {
	const { host, conn } = setup();
	host.output.setRingLines('web', 3);
	host.output.append('web', 'stdout', 1, ['1', '2', '3', '4', '5']);
	const caught = conn.send('output.follow\tweb\t1\tfakestream');
	t.is(caught[0], 'output.gap\tweb\t1\t3');
	t.regex(caught[1] ?? '', lineRe(3, '3'));
	t.regex(caught[3] ?? '', lineRe(5, '5'));
	t.is(caught[4], 'output.live\tweb\t5\tfakestream');
	t.true(conn.controller.delivery.following.has('web'));
	const other = host.connect('observer');
	t.deepEqual(other.send('output.follow\tweb'), ['output.live\tweb\t5\tfakestream'], 'from now on, nothing replayed');
	const restarted = host.connect('observer').send('output.follow\tweb\t99\tanotherrun');
	t.deepEqual(
		restarted.map(line => line.split('\t')[0]),
		['output.gap', 'output', 'output', 'output', 'output.live'],
		'another run of the daemon: every line kept, after the gap from 0',
	);
	t.deepEqual(
		host.connect('observer').send('output.follow\tweb\t99\tfakestream'),
		['output.live\tweb\t5\tfakestream'],
		'a number beyond the newest: from now on',
	);
	t.regex(conn.send('output.follow\tweb\t-1')[0] ?? '', /^error\tinvalid sequence number/);
	t.deepEqual(conn.send('output.unfollow\tweb'), []);
	t.false(conn.controller.delivery.following.has('web'));
	conn.send('output.follow\tweb');
	conn.send('output.unfollow');
	t.is(conn.controller.delivery.following.size, 0);
});
