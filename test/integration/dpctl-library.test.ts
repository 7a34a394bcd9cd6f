// The client library (`daemonproxy/client`) against the real daemon: typed commands, errors
// carrying the daemon's message, events as an async iterator, AbortSignal timeouts, reconnection
// to a restarted daemon (a `resync` with the new state), and the example controller.

import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { connect, ConnectionError, DaemonError, type Client, type StreamItem } from '../../src/client/index.js';
import { fixture, killProcessTree, LineReader, repoRoot, startDaemon, waitForPath } from './helpers/daemon.js';
import { dpctl, startSocketDaemon } from './dpctl-helpers.js';

async function next(it: AsyncIterator<StreamItem>, predicate: (item: StreamItem) => boolean): Promise<StreamItem> {
	for (;;) {
		const result = await it.next();
		if (result.done) throw new Error('stream ended');
		if (predicate(result.value)) return result.value;
	}
}

const stateOf =
	(name: string, state: string) =>
	(item: StreamItem): boolean =>
		item.kind === 'event' &&
		item.event?.type === 'service.state' &&
		item.event.name === name &&
		item.event.state === state;

test('the package export is this library', async t => {
	const viaPackage = await import('daemonproxy/client');
	t.is(typeof viaPackage.connect, 'function');
	t.is(viaPackage.DaemonError.name, 'DaemonError');
});

for (const mode of ['auto', 'echo'] as const) {
	test(`${mode}: typed commands, errors, events`, async t => {
		const { socket } = await startSocketDaemon(t);
		const client: Client = await connect(socket, { mode, signal: AbortSignal.timeout(5000) });
		t.teardown(() => client.destroy());
		t.deepEqual(await client.echo('é\tx'), ['é\tx'], 'UTF-8 both ways');
		await client.serviceArgs('web', [fixture('sleep-forever.sh')]);
		// (A 1.1-style connection cannot tell the command's own lines from the event it causes.)
		t.deepEqual((await client.serviceFds('web', ['null', 'nope']))[0], 'warning: fd "nope" is not yet defined');
		await client.serviceFds('web', ['null', 'null', 'null']);
		t.is(await client.logFilter(), 'debug');
		const error = await t.throwsAsync(client.serviceSignal('web', 'TERM'), { instanceOf: DaemonError });
		t.is(error?.message, 'service is not running');

		const events = client.events(['service.state:web']);
		await client.serviceStart('web');
		const up = await next(events, stateOf('web', 'up'));
		const pid = up.kind === 'event' && up.event?.type === 'service.state' ? up.event.pid : null;
		t.true(typeof pid === 'number' && pid > 1);
		const { snapshot } = await client.statedump({ signal: AbortSignal.timeout(5000) });
		t.like(snapshot.services.get('web'), { state: 'up', pid });
		await client.serviceSignal('web', 'KILL');
		await next(events, stateOf('web', 'down'));
		await t.throwsAsync(client.events(['signal'], { signal: AbortSignal.timeout(100) }).next(), {
			any: true,
			name: 'TimeoutError',
		} as never);
		if (mode === 'auto') {
			const who = await client.whoami();
			t.is(who.uid, process.getuid?.() ?? null);
			t.truthy(who.role);
		}
		t.is(client.mode, mode === 'auto' ? 'tagged' : 'echo');
	});
}

test('an abstract socket (@name): connected by the library itself; a name nobody listens on is ECONNREFUSED', async t => {
	const name = `@dpctl-lib-${process.pid}-${Date.now()}`;
	await startDaemon(t, ['-S', name]); // its banner comes after the socket listens
	const client = await connect(name, { reconnect: false, signal: AbortSignal.timeout(5000) });
	t.teardown(() => client.destroy());
	t.deepEqual(await client.echo('abstract'), ['abstract']);
	t.is((await client.whoami()).pid, process.pid, 'the peer is this process, not a socat in between');
	const missing = `${name}-missing`;
	const error = await t.throwsAsync(connect(missing, { reconnect: false }), { instanceOf: ConnectionError });
	t.like(error, { code: 'ECONNREFUSED', address: missing, message: `unable to connect to ${missing}: ECONNREFUSED` });
});

test('reconnects to a restarted daemon and hands the stream a resync with the new state', async t => {
	const { socket, daemon } = await startSocketDaemon(t);
	const client = await connect(socket);
	t.teardown(() => client.destroy());
	const events = client.events();
	await client.serviceTags('before', ['x']);
	await next(events, i => i.kind === 'event' && i.line === 'service.tags\tbefore\tx');
	killProcessTree(daemon.pid);
	await daemon.proc;
	const again = await startDaemon(t, ['-S', socket], { interactive: false });
	void again;
	await waitForPath(socket);
	const resync = await next(events, i => i.kind === 'resync');
	t.true(resync.kind === 'resync' && !resync.snapshot.services.has('before'));
	await client.serviceTags('after', ['y']);
	const live = await next(events, i => i.kind === 'event');
	t.is(live.kind === 'event' ? live.line : '', 'service.tags\tafter\ty');
});

test('examples/controller-policy.js starts in dependency order and restarts with backoff', async t => {
	const { socket, daemon } = await startSocketDaemon(t);
	for (const args of [
		['service.args', 'db', fixture('sleep-forever.sh')],
		['service.tags', 'db', 'managed'],
		['service.args', 'app', fixture('sleep-forever.sh')],
		['service.tags', 'app', 'managed', 'after=db'],
	])
		await dpctl(socket, args);
	const controller = execa(process.execPath, [join(repoRoot, 'examples', 'controller-policy.js'), socket], {
		reject: false,
		buffer: false,
		encoding: 'latin1',
	});
	t.teardown(() => controller.kill('SIGKILL'));
	const log = new LineReader(controller.stderr, 'controller');
	t.is(await log.next(), 'controller: starting db');
	t.is(await log.next(), 'controller: starting app (after db)');
	t.is((await dpctl(socket, ['--timeout', '10', 'wait', 'service.state:app', 'up'])).exitCode, 0);
	const client = await connect(socket);
	t.teardown(() => client.destroy());
	const events = client.events(['service.state:app']);
	await client.serviceSignal('app', 'KILL');
	const down = await next(events, stateOf('app', 'down'));
	t.is(await log.next(), 'controller: app ended (signal SIGKILL), restarting in 1 s');
	const start = await next(events, stateOf('app', 'start'));
	const ts = (item: StreamItem): number =>
		item.kind === 'event' && item.event?.type === 'service.state' ? (item.event.ts ?? 0) : 0;
	t.is(ts(start), ts(down) + 1, 'scheduled one second after the exit');
	await next(events, stateOf('app', 'up'));
	void daemon;
});
