// The client library against an in-memory daemon: typed commands, event streams with patterns,
// and reconnection that resumes by sequence number (design §3) or resyncs from a statedump after
// a gap or with a 1.1 daemon. Never opens a socket.

import test from 'ava';
import { Client } from '../../../src/client/client.js';
import { DaemonError } from '../../../src/client/errors.js';
import type { StreamItem } from '../../../src/client/event-stream.js';
import { FakeDaemon, type FakeOptions } from './helpers/fake-daemon.js';

function open(options: FakeOptions, reconnect = true) {
	const daemon = new FakeDaemon(options);
	const client = Client.open('/fake.sock', { reconnect, dial: async () => daemon.accept() });
	return { daemon, client };
}

async function take(it: AsyncIterator<StreamItem>, n: number): Promise<StreamItem[]> {
	const items: StreamItem[] = [];
	while (items.length < n) {
		const next = await it.next();
		if (next.done) break;
		items.push(next.value);
	}
	return items;
}

const lines = (items: StreamItem[]): string[] => items.map(i => (i.kind === 'event' ? i.line : `resync:${i.reason}`));

/** Waits until the client has sent `line` on the current connection. */
async function sent(daemon: FakeDaemon, predicate: (line: string) => boolean): Promise<void> {
	for (let i = 0; i < 200 && !daemon.connections.at(-1)?.received.some(predicate); i++)
		await new Promise(r => setTimeout(r, 5));
}

for (const tags of [true, false]) {
	test(`${tags ? 'tagged' : '1.1'}: typed commands`, async t => {
		const { client } = open({ tags });
		const c = await client;
		t.deepEqual(await c.echo('hi'), ['hi']);
		const dump = await c.statedump();
		t.is(dump.snapshot.services.get('web')?.pid, 42);
		t.deepEqual(dump.snapshot.services.get('web')?.args, ['/bin/sleep', '9']);
		const error = await t.throwsAsync(c.serviceStart('ghost'), { instanceOf: DaemonError });
		t.is(error?.message, 'No such service');
		c.close();
	});

	test(`${tags ? 'tagged' : '1.1'}: events(patterns) yields only matching events, in order`, async t => {
		const { client, daemon } = open({ tags });
		const c = await client;
		const it = c.events(['service.state:w*']);
		await c.echo('sync');
		await sent(daemon, l => !tags || l.includes('events.subscribe'));
		daemon.broadcast('fd.state\tx\tpipe\tfrom\ty');
		daemon.broadcast('service.state\tweb\tup\t5\t42\t-\t-\t0\t-');
		daemon.broadcast('service.state\tdb\tup\t5\t43\t-\t-\t0\t-');
		daemon.broadcast('service.state\twww\tdown\t6\t44\texit\t1\t1\t0');
		const items = await take(it, 2);
		t.deepEqual(lines(items), [
			'service.state\tweb\tup\t5\t42\t-\t-\t0\t-',
			'service.state\twww\tdown\t6\t44\texit\t1\t1\t0',
		]);
		const first = items[0];
		t.true(first?.kind === 'event' && first.event?.type === 'service.state' && first.event.pid === 42);
		c.close();
	});
}

test('tagged: the stream asks for sequence numbers and narrows the subscription', async t => {
	const { client, daemon } = open({ tags: true });
	const c = await client;
	c.events(['service.state:web', 'signal']);
	await sent(daemon, l => l.includes('events.subscribe'));
	const received = daemon.last.received.map(l => l.replace(/^:c\d+\t/, ''));
	t.deepEqual(received, ['events.seq\ton', 'events.unsubscribe', 'events.subscribe\tservice.state:web\tsignal']);
	c.close();
});

test('tagged: two streams opened at once: one events.seq, both patterns subscribed', async t => {
	const { client, daemon } = open({ tags: true });
	const c = await client;
	const a = c.events(['service.state:a']);
	const b = c.events(['fd.state']);
	await sent(daemon, l => l.endsWith('events.subscribe\tfd.state\tservice.state:a'));
	t.is(daemon.last.received.filter(l => l.endsWith('events.seq\ton')).length, 1);
	daemon.broadcast('fd.state\tx\tpipe\tfrom\ty');
	daemon.broadcast('service.state\ta\tup\t5\t42\t-\t-\t0\t-');
	t.deepEqual(lines(await take(a, 1)), ['service.state\ta\tup\t5\t42\t-\t-\t0\t-']);
	t.deepEqual(lines(await take(b, 1)), ['fd.state\tx\tpipe\tfrom\ty']);
	c.close();
});

test('tagged: after a reconnect the stream resumes from the last sequence number, without duplicates', async t => {
	const { client, daemon } = open({ tags: true });
	const c = await client;
	const it = c.events();
	await sent(daemon, l => l.includes('events.seq'));
	await c.echo('sync');
	daemon.broadcast('service.state\tweb\tup\t5\t42\t-\t-\t0\t-');
	t.deepEqual(lines(await take(it, 1)), ['service.state\tweb\tup\t5\t42\t-\t-\t0\t-']);
	daemon.last.close();
	// Missed while disconnected:
	daemon.broadcast('service.state\tweb\tdown\t6\t42\texit\t0\t1\t0');
	daemon.broadcast('service.state\tweb\tstart\t7\t-\t-\t-\t-\t-');
	const items = await take(it, 2);
	t.deepEqual(lines(items), [
		'service.state\tweb\tdown\t6\t42\texit\t0\t1\t0',
		'service.state\tweb\tstart\t7\t-\t-\t-\t-\t-',
	]);
	t.true(items.every(i => i.kind === 'event' && i.source === 'replay'));
	t.true(daemon.last.received.some(l => /\tevents\.resume\t1\trun1$/.test(l)));
	daemon.broadcast('service.state\tweb\tup\t8\t50\t-\t-\t0\t-');
	const live = await take(it, 1);
	t.true(live[0]?.kind === 'event' && live[0].source === 'live' && live[0].seq === 4);
	c.close();
});

test('tagged: a gap (or a restarted daemon) resyncs from a statedump with its end marker', async t => {
	const { client, daemon } = open({ tags: true, ring: 1 });
	const c = await client;
	const it = c.events();
	await sent(daemon, l => l.includes('events.seq'));
	await c.echo('sync');
	daemon.broadcast('service.state\tweb\tup\t5\t42\t-\t-\t0\t-');
	await take(it, 1);
	daemon.last.close();
	daemon.broadcast('service.state\tweb\tdown\t6\t42\texit\t0\t1\t0');
	daemon.broadcast('service.state\tweb\tstart\t7\t-\t-\t-\t-\t-'); // the ring now holds only this
	const [resync] = await take(it, 1);
	t.is(resync?.kind, 'resync');
	t.true(resync?.kind === 'resync' && resync.reason === 'gap' && resync.snapshot.seq === 3);
	daemon.broadcast('service.state\tweb\tup\t8\t50\t-\t-\t0\t-');
	const [live] = await take(it, 1);
	t.true(live?.kind === 'event' && live.seq === 4);
	c.close();
});

test('1.1: after a reconnect the stream resyncs from a statedump', async t => {
	const { client, daemon } = open({ tags: false });
	const c = await client;
	const it = c.events();
	await c.echo('sync');
	daemon.last.close();
	const [resync] = await take(it, 1);
	t.true(resync?.kind === 'resync' && resync.reason === 'reconnect' && resync.snapshot.services.has('web'));
	c.close();
});

test('an overflow line is not passed on: the stream catches up instead', async t => {
	const { client, daemon } = open({ tags: false });
	const c = await client;
	const it = c.events();
	await c.echo('sync');
	daemon.last.write('overflow');
	const [resync] = await take(it, 1);
	t.true(resync?.kind === 'resync' && resync.reason === 'overflow');
	c.close();
});

test('without reconnect, a lost connection ends the stream with the ConnectionError', async t => {
	const { client, daemon } = open({ tags: true }, false);
	const c = await client;
	const it = c.events();
	await c.echo('sync');
	daemon.last.close();
	await t.throwsAsync(it.next(), { name: 'ConnectionError', message: 'lost connection to /fake.sock' });
});

test('requests made while reconnecting wait for the new connection', async t => {
	const { client, daemon } = open({ tags: true });
	const c = await client;
	await c.echo('x');
	daemon.last.close();
	for (let i = 0; i < 100 && c.connected; i++) await new Promise(r => setTimeout(r, 5));
	t.false(c.connected);
	t.deepEqual(await c.echo('again'), ['again']);
	t.is(daemon.connections.length, 2);
	c.close();
});

test('an aborted events() iterator ends with the reason', async t => {
	const { client } = open({ tags: true });
	const c = await client;
	const it = c.events([], { signal: AbortSignal.timeout(20) });
	const keepAlive = setTimeout(() => {}, 1000); // AbortSignal.timeout alone does not keep the process up
	const error = await it.next().then(
		() => null,
		(e: unknown) => e,
	);
	clearTimeout(keepAlive);
	t.is((error as Error | null)?.name, 'TimeoutError');
	c.close();
});

test('invalid patterns are refused', async t => {
	const { client } = open({ tags: true });
	const c = await client;
	t.throws(() => c.events(['bad pattern']), { instanceOf: RangeError });
	c.close();
});
