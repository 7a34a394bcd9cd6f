// dpctl's diagnostics for a failed connect (cli/session.ts, describeFailure): exit status 111 and
// a hint that fits the kind of address, a path or an `@name` abstract socket. Opens no socket.

import test from 'ava';
import { describeFailure } from '../../../src/dpctl/session.js';
import { ConnectionError } from '../../../src/client/errors.js';

const refused = (address: string, code = 'ECONNREFUSED'): ConnectionError =>
	new ConnectionError(code, address, `unable to connect to ${address}: ${code}`);

test('a path: the hint points at DAEMONPROXY_SOCKET and -S', t => {
	t.deepEqual(describeFailure(refused('/run/d.sock')), {
		exitCode: 111,
		message:
			'dpctl: fatal: unable to connect to /run/d.sock: ECONNREFUSED (is daemonproxy running? set DAEMONPROXY_SOCKET or -S)',
	});
});

test('an abstract name: refused means nobody listens on it, and says how to start one', t => {
	t.is(
		describeFailure(refused('@ctl')).message,
		'dpctl: fatal: unable to connect to @ctl: ECONNREFUSED (no daemonproxy listening on abstract socket @ctl; start it with -S @ctl, or set DAEMONPROXY_SOCKET or -S)',
	);
	t.regex(
		describeFailure(refused('@ctl', 'ENAMETOOLONG')).message,
		/: ENAMETOOLONG \(an abstract socket name has at most 107 bytes after the @\)$/,
	);
	t.is(
		describeFailure(refused('@ctl', 'EACCES')).message,
		'dpctl: fatal: unable to connect to @ctl: EACCES',
		'no file mode to blame',
	);
});

test('EAGAIN, a full backlog, reads the same for both kinds of address', t => {
	for (const address of ['/run/d.sock', '@ctl']) {
		t.regex(
			describeFailure(refused(address, 'EAGAIN')).message,
			/: EAGAIN \(the daemon is not accepting connections: is it stopped, or overloaded\?\)$/,
		);
	}
});

test('a lost connection gets no connect hint', t => {
	const lost = new ConnectionError('ECONNREFUSED', '@ctl', 'lost connection to @ctl: ECONNRESET');
	t.deepEqual(describeFailure(lost), { exitCode: 111, message: 'dpctl: fatal: lost connection to @ctl: ECONNRESET' });
});
