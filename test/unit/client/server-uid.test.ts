// Whom the client trusts to serve the socket: root, its own uid, the one accepted uid; how that
// uid is read from --server-uid and $DAEMONPROXY_SERVER_UID.

import test from 'ava';
import { ArgumentError } from '../../../src/client/errors.js';
import {
	checkServerUid,
	parseServerUid,
	resolveServerUid,
	UntrustedServerError,
} from '../../../src/client/server-uid.js';

test('root, the caller and the accepted uid are trusted; anyone else is refused, naming the uid', t => {
	t.notThrows(() => checkServerUid('@x', 0, 1000, undefined));
	t.notThrows(() => checkServerUid('@x', 1000, 1000, undefined));
	t.notThrows(() => checkServerUid('@x', 65534, 1000, 65534));
	const error = t.throws(() => checkServerUid('@x', 65534, 1000, 33), { instanceOf: UntrustedServerError });
	t.is(error?.code, 'EPEERUID');
	t.is(error?.serverUid, 65534);
	t.is(error?.address, '@x');
	t.regex(
		error?.message ?? '',
		/^refusing to talk to @x: it is served by uid 65534, not by a uid this client trusts \(0, 1000, 33\);/,
	);
});

test('the option wins over the environment; empty or missing means none', t => {
	t.is(resolveServerUid(undefined, {}), undefined);
	t.is(resolveServerUid(undefined, { DAEMONPROXY_SERVER_UID: '' }), undefined);
	t.is(resolveServerUid(undefined, { DAEMONPROXY_SERVER_UID: '33' }), 33);
	t.is(resolveServerUid('0', { DAEMONPROXY_SERVER_UID: '33' }), 0);
});

test('a uid is decimal digits below 2^32-1', t => {
	t.is(parseServerUid('4294967294', 'x'), 4294967294);
	for (const bad of ['', '-1', '1.5', ' 1', '0x10', 'nobody', '4294967295', '99999999999']) {
		t.throws(() => parseServerUid(bad, '--server-uid'), {
			instanceOf: ArgumentError,
			message: /^--server-uid must be/,
		});
	}
});
