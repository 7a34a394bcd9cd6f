// Unit tests of src/server/commands/service-mode-commands.ts: service.stop, service.enable and
// service.disable check every field before changing anything (a bad name, grace, option or
// signal leaves every service as it was), then act on all the services named.

import test from 'ava';
import { serviceCommands } from '../../../../src/server/commands/service-commands.js';
import { serviceModeCommands } from '../../../../src/server/commands/service-mode-commands.js';
import { FakeCommandHost } from '../../helpers/fake-command-host.js';

function setup() {
	const host = new FakeCommandHost({ ...serviceCommands, ...serviceModeCommands });
	const conn = host.connect('admin');
	for (const name of ['web', 'db']) conn.send(`service.args\t${name}\t${process.execPath}`);
	return { host, conn, supervisor: host.supervisor };
}

const err = (message: string, line: string): string[] => [
	`error\t${message}, for command "${line.length <= 30 ? line : `${line.slice(0, 30)}...`}"`,
];

test('a bad field changes nothing: names, grace, options, signal', t => {
	const { conn, supervisor } = setup();
	for (const [line, message] of [
		['service.stop', 'expected service name'],
		['service.stop\tweb\tghost', 'no such service "ghost"'],
		['service.stop\tweb\tno/slash', 'invalid service name "no/slash"'],
		['service.stop\tweb\t86401', 'invalid grace (expected 0 to 86400 seconds, or -)'],
		['service.stop\tweb\tsignal=BAD', 'Invalid signal argument'],
		['service.stop\tweb\tkill=1', 'unknown option "kill=1" (expected signal=SIGNAL)'],
		['service.disable\tdb\tghost', 'no such service "ghost"'],
	] as const) {
		t.deepEqual(conn.send(line), err(message, line), line);
	}
	for (const name of ['web', 'db']) t.like(supervisor.service(name), { held: false, disabled: false });
});

test('stop holds every service named, with the grace and signal given; disable and enable', t => {
	const { conn, supervisor } = setup();
	t.deepEqual(conn.send('service.stop\tweb\tdb\t-\tsignal=INT'), []);
	t.like(supervisor.service('web'), { held: true });
	t.like(supervisor.service('db'), { held: true });
	t.deepEqual(conn.send('service.disable\tweb'), []);
	t.like(supervisor.service('web'), { disabled: true });
	t.deepEqual(conn.send('service.enable\tweb'), []);
	t.like(supervisor.service('web'), { disabled: false, held: true });
});
