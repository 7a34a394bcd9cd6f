// The request layer against an in-memory daemon: tagged requests (design §4) and the 1.1 echo
// barrier (spec §2.5), the automatic fallback between them, errors, aborts and a lost connection.
// Never opens a socket.

import test from 'ava';
import { Connection, type RequestMode } from '../../../src/client/connection.js';
import { ArgumentError, ConnectionError, DaemonError } from '../../../src/client/errors.js';
import type { IncomingLine } from '../../../src/client/wire.js';
import { FakeDaemon } from './helpers/fake-daemon.js';

function setup(tags: boolean, mode: RequestMode = 'auto') {
	const daemon = new FakeDaemon({ tags });
	const events: IncomingLine[] = [];
	const closed: ConnectionError[] = [];
	const conn = new Connection(daemon.accept(), {
		address: '/fake.sock',
		mode,
		encoding: 'latin1',
		onEvent: e => events.push(e),
		onClose: e => closed.push(e),
	});
	return { daemon, conn, events, closed };
}

for (const tags of [true, false]) {
	const kind = tags ? 'tagged daemon' : '1.1 daemon';

	test(`${kind}: a reply's lines, in order, and the mode found`, async t => {
		const { conn } = setup(tags);
		t.is(conn.mode, 'unknown');
		t.deepEqual((await conn.request(['echo', 'a', 'b'])).lines, ['a\tb']);
		t.is(conn.mode, tags ? 'tagged' : 'echo');
		t.deepEqual((await conn.request(['statedump'])).lines.length, 6);
	});

	test(`${kind}: requests sent before the mode is known are answered in order`, async t => {
		const { conn } = setup(tags);
		const replies = await Promise.all(['1', '2', '3'].map(n => conn.request(['echo', n])));
		t.deepEqual(
			replies.map(r => r.lines),
			[['1'], ['2'], ['3']],
		);
	});

	test(`${kind}: an echo of \`ok\` or \`error\` text is a reply, not the end of the request`, async t => {
		const { conn } = setup(tags);
		t.deepEqual((await conn.request(['echo', 'ok'])).lines, ['ok']);
		t.deepEqual((await conn.request(['echo', 'error', 'x'])).lines, ['error\tx']);
		t.deepEqual((await conn.request(['echo'])).lines, []);
		t.deepEqual((await conn.request(['echo', 'next'])).lines, ['next']);
	});

	test(`${kind}: an error rejects with the daemon's message`, async t => {
		const { conn } = setup(tags);
		const error = await t.throwsAsync(conn.request(['service.start', 'ghost']), { instanceOf: DaemonError });
		t.is(error?.message, 'No such service');
		t.is(error?.command, 'service.start\tghost');
		// And the connection goes on.
		t.deepEqual((await conn.request(['echo', 'after'])).lines, ['after']);
	});

	test(`${kind}: an unknown verb is a DaemonError`, async t => {
		const { conn } = setup(tags);
		const error = await t.throwsAsync(conn.request(['bogus.verb']), { instanceOf: DaemonError });
		t.is(error?.message, 'Unknown command: bogus.verb');
	});

	test(`${kind}: broadcast events are events`, async t => {
		const { conn, events, daemon } = setup(tags);
		await conn.request(['echo', 'x']);
		daemon.broadcast('service.state\tweb\tup\t5\t42\t-\t-\t0\t-');
		await conn.request(['echo', 'y']);
		t.true(events.some(e => e.body.startsWith('service.state\tweb\tup')));
	});

	test(`${kind}: a lost connection rejects what is pending with ConnectionError`, async t => {
		const { conn, daemon, closed } = setup(tags);
		await conn.request(['echo', 'x']);
		daemon.last.paused = true;
		const pending = conn.request(['echo', 'never']);
		daemon.last.close();
		const error = await t.throwsAsync(pending, { instanceOf: ConnectionError });
		t.is(error?.code, 'ECLOSED');
		t.is(closed.length, 1);
		await t.throwsAsync(conn.request(['echo', 'x']), { instanceOf: ConnectionError });
	});

	test(`${kind}: exit and terminate take EOF as success`, async t => {
		const { conn, daemon } = setup(tags);
		await conn.request(['echo', 'x']);
		daemon.last.paused = true;
		const pending = conn.request(['exit'], { closeIsSuccess: true });
		daemon.last.close();
		t.deepEqual((await pending).lines, []);
	});

	test(`${kind}: an abort rejects at once, and later replies still match`, async t => {
		const { conn, daemon } = setup(tags);
		await conn.request(['echo', 'x']);
		daemon.last.paused = true;
		const controller = new AbortController();
		const first = conn.request(['echo', 'slow'], { signal: controller.signal });
		const second = conn.request(['echo', 'next']);
		controller.abort(new Error('enough'));
		await t.throwsAsync(first, { message: 'enough' });
		daemon.last.release();
		t.deepEqual((await second).lines, ['next']);
	});
}

test('1.1 daemon: the split `unknown flag` error (spec §5.1 accident) is one DaemonError', async t => {
	const { conn } = setup(false);
	const error = await t.throwsAsync(conn.request(['fd.open', 'f', 'bogus', '/x']), { instanceOf: DaemonError });
	t.is(error?.message, 'unknown flag "bogus"');
	t.deepEqual((await conn.request(['echo', 'x'])).lines, ['x']);
});

test('1.1 daemon: the probe costs one `Unknown command: :c1` and the command runs once', async t => {
	const { conn, daemon } = setup(false);
	await conn.request(['service.start', 'web']);
	t.deepEqual(daemon.last.received.slice(0, 2), [':c1\tservice.start\tweb', 'service.start\tweb']);
	t.is(daemon.last.received.filter(l => l === 'service.start\tweb').length, 1);
});

test('1.1 daemon: events inside a reply window are also passed on as events, but not statedump lines', async t => {
	const { conn, events } = setup(false, 'echo');
	const reply = await conn.request(['service.start', 'web']);
	t.deepEqual(reply.lines, ['service.state\tweb\tstart\t9\t-\t-\t-\t-\t-']);
	t.is(events.length, 1);
	await conn.request(['statedump']);
	t.is(events.length, 1);
});

test('tagged daemon: forced echo mode never sends a tag', async t => {
	const { conn, daemon } = setup(true, 'echo');
	await conn.request(['echo', 'x']);
	t.false(daemon.last.received.some(l => l.startsWith(':')));
});

test('1.1 daemon: forced tagged mode fails the request, saying why', async t => {
	const { conn } = setup(false, 'tagged');
	const error = await t.throwsAsync(conn.request(['echo', 'x']), { instanceOf: DaemonError });
	t.is(error?.message, 'Unknown command: :c1 (this daemon has no request tags)');
});

test('fields with control bytes are refused before anything is sent', async t => {
	const { conn, daemon } = setup(true);
	t.throws(() => conn.request(['echo', 'a\tb']), {
		instanceOf: ArgumentError,
		message: /argument 1 contains a control character \(\\t\)/,
	});
	t.throws(() => conn.request(['echo', 'a\nb']), { instanceOf: ArgumentError });
	t.throws(() => conn.request(['echo', 'x'.repeat(1100)]), { instanceOf: ArgumentError, message: /too long/ });
	t.deepEqual(daemon.last.received, []);
});
