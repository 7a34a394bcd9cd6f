// Who serves the socket (dpctl(1), SECURITY): a server bound by uid 65534 first, on an abstract
// name or a path, receives nothing from root's dpctl or client library, which fail with status
// 111 / EPEERUID naming the uid; --server-uid, $DAEMONPROXY_SERVER_UID and the library's
// serverUid accept that uid; the real daemon as root is trusted as before. Servers that must not
// be us run as uid 65534 through setpriv(1); we run as root here and in CI.

import { readFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { connect, ConnectionError } from '../../src/client/index.js';
import { daemonBin, killProcessTree, pollUntil, startDaemon, tempDir } from './helpers/daemon.js';
import { dpctl } from './dpctl-helpers.js';

const NOBODY = 65534;
const AS_NOBODY = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];

const uniqueName = (what: string): string => `@dpctl-uid-${what}-${process.pid}-${Date.now()}`;

/** Whether the kernel lists a listening socket bound to `address` (an @name or a path). */
function listening(address: string): true | undefined {
	const bound = address.startsWith('@') ? address : ` ${address}`;
	return readFileSync('/proc/net/unix', 'latin1')
		.split('\n')
		.some(line => line.endsWith(bound) && / 00010000 0001 01 /.test(line)) // listening, stream
		? true
		: undefined;
}

function spawnNobody(args: string[]) {
	const [file = '', ...rest] = [...AS_NOBODY, ...args];
	return execa(file, rest, { reject: false, encoding: 'latin1', stdin: 'ignore' });
}
type Nobody = ReturnType<typeof spawnNobody>;

/**
 * As uid 65534: ARGS…, killed at teardown; resolves once `address` listens, with the process
 * wrapped (a ResultPromise returned bare would be awaited to its end).
 */
async function asNobody(t: ExecutionContext, address: string, args: string[]): Promise<{ proc: Nobody }> {
	const proc = spawnNobody(args);
	t.teardown(() => {
		if (proc.pid !== undefined) killProcessTree(proc.pid);
	});
	await pollUntil(() => listening(address), `${args[0] ?? ''} listening on ${address}`);
	return { proc };
}

/** A fake server as uid 65534 that prints whatever one client sends, then exits. */
function impostor(t: ExecutionContext, address: string): Promise<{ proc: Nobody }> {
	const listen = address.startsWith('@') ? `ABSTRACT-LISTEN:${address.slice(1)}` : `UNIX-LISTEN:${address}`;
	return asNobody(t, address, ['socat', '-u', listen, 'STDOUT']);
}

const refusal = (address: string): string =>
	`dpctl: fatal: refusing to talk to ${address}: it is served by uid ${NOBODY}, not by a uid this client trusts (0); ` +
	`another user may have bound the name first. If uid ${NOBODY} runs your daemon, accept it explicitly ` +
	`with --server-uid ${NOBODY} or DAEMONPROXY_SERVER_UID=${NOBODY}`;

test('an abstract name squatted by uid 65534: dpctl exits 111 naming the uid, and sends nothing', async t => {
	const name = uniqueName('squat');
	const { proc: fake } = await impostor(t, name);
	const result = await dpctl(name, ['service.args', 'db', '/bin/db', '--db-password=hunter2']);
	t.is(result.exitCode, 111);
	t.is(result.stderr, refusal(name));
	const received = await fake; // socat ends when dpctl hangs up
	t.is(received.stdout, '');
});

test('a path socket owned by uid 65534: dpctl exits 111 naming the uid, and sends nothing', async t => {
	const dir = await tempDir(t);
	await chmod(dir, 0o777); // a directory others may write to, such as /tmp
	const path = join(dir, 'd.sock');
	const { proc: fake } = await impostor(t, path);
	const result = await dpctl(path, ['echo', 'secret']);
	t.is(result.exitCode, 111);
	t.is(result.stderr, refusal(path));
	t.is((await fake).stdout, '');
});

test('the client library refuses uid 65534 with EPEERUID, and accepts it with serverUid', async t => {
	const name = uniqueName('lib');
	const { proc: fake } = await impostor(t, name);
	const error = await t.throwsAsync(connect(name, { reconnect: false }), { instanceOf: ConnectionError });
	t.is(error?.code, 'EPEERUID');
	t.regex(error?.message ?? '', new RegExp(`served by uid ${NOBODY}`));
	t.is((await fake).stdout, '');

	const daemonName = uniqueName('libd');
	await asNobody(t, daemonName, [daemonBin, '-S', daemonName]);
	const client = await connect(daemonName, { reconnect: false, serverUid: NOBODY });
	t.teardown(() => client.close());
	t.deepEqual((await client.command(['echo', 'trusted'])).lines, ['trusted']);
});

test('a daemon run as uid 65534 is reached with --server-uid or DAEMONPROXY_SERVER_UID; root is always trusted', async t => {
	const name = uniqueName('ok');
	await asNobody(t, name, [daemonBin, '-S', name]);
	const byOption = await dpctl(name, ['--server-uid', String(NOBODY), 'echo', 'hi']);
	t.is(byOption.exitCode, 0, byOption.stderr);
	t.deepEqual(byOption.lines, ['hi']);
	const byEnv = await dpctl(name, ['echo', 'hi'], { env: { DAEMONPROXY_SERVER_UID: String(NOBODY) } });
	t.is(byEnv.exitCode, 0, byEnv.stderr);
	const other = await dpctl(name, ['--server-uid', '1', 'echo', 'hi']);
	t.is(other.exitCode, 111);
	const bad = await dpctl(name, ['--server-uid', 'nobody', 'echo', 'hi']);
	t.is(bad.exitCode, 100);
	t.is(bad.stderr, 'dpctl: --server-uid must be a numeric uid (0 to 4294967294), not "nobody"');

	const rootName = uniqueName('root');
	await startDaemon(t, ['-S', rootName]); // its banner comes after the socket listens
	const root = await dpctl(rootName, ['echo', 'root']);
	t.is(root.exitCode, 0, root.stderr);
	t.deepEqual(root.lines, ['root']);
});
