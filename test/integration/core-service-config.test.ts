// The service configuration commands (spec §7.3–§7.6): exact reply and broadcast lines, the
// `warning: fd "…" is not yet defined` lines (issuer only), and our fix that a failed command
// changes nothing (no ghost service, no stored interval). Broadcasts are checked on a second
// controller, a socket connection, which must see the events but none of the issuer's replies.

import { join } from 'node:path';
import test from 'ava';
import { fixture, SocketClient, startDaemon, tempDir, type Daemon } from './helpers/daemon.js';

async function withObserver(t: Parameters<typeof startDaemon>[0]): Promise<{ d: Daemon; observer: SocketClient }> {
	const path = join(await tempDir(t), 'ctl.sock');
	const d = await startDaemon(t, ['-S', path]);
	const observer = await SocketClient.connect(path);
	t.teardown(() => observer.close());
	t.deepEqual(await observer.command('echo\tready'), ['ready']);
	return { d, observer };
}

/** Sends lines from the issuer, then checks what it and the observer saw (observer: broadcasts only). */
async function exchange(
	d: Daemon,
	observer: SocketClient,
	line: string,
): Promise<{ issuer: string[]; broadcast: string[] }> {
	const issuer = await d.command(line);
	// The observer's barrier runs after the issuer's command, so every broadcast has reached it.
	const broadcast = await observer.command('# sync');
	return { issuer, broadcast };
}

test('service.args: reply and broadcast are the stored vector (§7.4)', async t => {
	const { d, observer } = await withObserver(t);
	const cases: Array<[string, string]> = [
		['service.args\tweb\t/bin/sleep\t1', 'service.args\tweb\t/bin/sleep\t1'],
		['service.args\tfoo', 'service.args\tfoo\t'],
		['service.args\tfoo\t', 'service.args\tfoo\t'],
		['service.args\tfoo\tprog\t\tlast arg\t', 'service.args\tfoo\tprog\t\tlast arg\t'],
		[`service.args\t${'a'.repeat(31)}\tx`, `service.args\t${'a'.repeat(31)}\tx`],
	];
	for (const [line, event] of cases) {
		t.deepEqual(await exchange(d, observer, line), { issuer: [event], broadcast: [event] }, JSON.stringify(line));
	}
});

test('service.tags: verbatim, empty fields kept, no fields clears (§7.3)', async t => {
	const { d, observer } = await withObserver(t);
	const cases: Array<[string, string]> = [
		['service.tags\tweb\towner=ops\tprio=2', 'service.tags\tweb\towner=ops\tprio=2'],
		['service.tags\tweb\ta\t\tb\t', 'service.tags\tweb\ta\t\tb\t'],
		['service.tags\tweb', 'service.tags\tweb\t'],
		['service.tags\tweb\tx y z', 'service.tags\tweb\tx y z'],
		['service.tags\tweb\t', 'service.tags\tweb\t'],
	];
	for (const [line, event] of cases) {
		t.deepEqual(await exchange(d, observer, line), { issuer: [event], broadcast: [event] }, JSON.stringify(line));
	}
});

test('service.fds: warnings for undefined names go to the issuer only, then the broadcast (§7.5)', async t => {
	const { d, observer } = await withObserver(t);
	// The §7.5 example, exactly.
	t.deepEqual(await exchange(d, observer, 'service.fds\ts1\tnull\tnope\t-\tstderr'), {
		issuer: [
			'warning: fd "nope" is not yet defined',
			'warning: fd "-" is not yet defined',
			'service.fds\ts1\tnull\tnope\t-\tstderr',
		],
		broadcast: ['service.fds\ts1\tnull\tnope\t-\tstderr'],
	});
	t.deepEqual(await exchange(d, observer, 'service.fds\ts1'), {
		issuer: ['service.fds\ts1\t'],
		broadcast: ['service.fds\ts1\t'],
	});
	t.deepEqual(await exchange(d, observer, 'service.fds\ts1\t'), {
		issuer: ['service.fds\ts1\t'],
		broadcast: ['service.fds\ts1\t'],
	});
	t.deepEqual(await exchange(d, observer, 'service.fds\ts1\tnull\tnull\tnull'), {
		issuer: ['service.fds\ts1\tnull\tnull\tnull'],
		broadcast: ['service.fds\ts1\tnull\tnull\tnull'],
	});
	t.deepEqual(await exchange(d, observer, 'service.fds\ts1\tnull\t\tstdout'), {
		issuer: ['warning: fd "" is not yet defined', 'service.fds\ts1\tnull\t\tstdout'],
		broadcast: ['service.fds\ts1\tnull\t\tstdout'],
	});
	// A name is resolved when it is used, not stored: once the handle exists, no warning.
	t.deepEqual((await exchange(d, observer, 'service.fds\ts2\tlater.r')).issuer, [
		'warning: fd "later.r" is not yet defined',
		'service.fds\ts2\tlater.r',
	]);
	await exchange(d, observer, 'fd.pipe\tlater.r\tlater.w');
	t.deepEqual(await exchange(d, observer, 'service.fds\ts2\tlater.r\tlater.w\tcontrol.socket'), {
		issuer: ['service.fds\ts2\tlater.r\tlater.w\tcontrol.socket'],
		broadcast: ['service.fds\ts2\tlater.r\tlater.w\tcontrol.socket'],
	});
});

test('service.auto_up: the §7.6 session, and the interval and triggers kept on failure (our fix)', async t => {
	const { d, observer } = await withObserver(t);
	const ok = async (line: string, event: string): Promise<void> => {
		t.deepEqual(await exchange(d, observer, line), { issuer: [event], broadcast: [event] }, JSON.stringify(line));
	};
	const fails = async (line: string, message: string): Promise<void> => {
		const context = line.length <= 30 ? line : `${line.slice(0, 30)}...`;
		t.deepEqual(await exchange(d, observer, line), {
			issuer: [`error\t${message}, for command "${context}"`],
			broadcast: [],
		});
	};
	await ok('service.auto_up\tfoo\t3\tSIGUSR1\tHUP', 'service.auto_up\tfoo\t3\tSIGUSR1\tHUP');
	await ok('service.auto_up\tfoo\t-\tSIGUSR2', 'service.auto_up\tfoo\t3\tSIGUSR2');
	await ok('service.auto_up\tfoo\t5\t', 'service.auto_up\tfoo\t-');
	await fails('service.auto_up\tfoo\t0', 'invalid interval');
	await fails('service.auto_up\tfoo\t3\tbogus', 'unable to set auto_up triggers');
	// 1.1 stored the 3 of the failed command; the interval is still 5.
	await ok('service.auto_up\tfoo\t-\tHUP', 'service.auto_up\tfoo\t5\tHUP');
	await fails('service.auto_up\tfoo\t7\tQUIT\tnope', 'unable to set auto_up triggers');
	await ok('service.auto_up\tfoo\t-\tSIGQUIT', 'service.auto_up\tfoo\t5\tSIGQUIT');
	// Empty trigger fields are dropped (1.1 stopped validating at the first one).
	await ok('service.auto_up\tfoo\t2147483647\tHUP\t\tUSR1', 'service.auto_up\tfoo\t2147483647\tHUP\tUSR1');
	await ok('service.auto_up\tfoo\t-', 'service.auto_up\tfoo\t-');
	await ok('service.auto_up\tfoo\t-\tINT', 'service.auto_up\tfoo\t2147483647\tINT');
});

test('service.auto_up with always: the start event comes before the auto_up line (§7.6 step 4)', async t => {
	const { d, observer } = await withObserver(t);
	await exchange(d, observer, `service.args\tau\t${fixture('sleep-forever.sh')}`);
	const { issuer, broadcast } = await exchange(d, observer, 'service.auto_up\tau\t1\talways');
	for (const lines of [issuer, broadcast]) {
		t.regex(lines[0] ?? '', /^service\.state\tau\tstart\t\d+\t-\t-\t-\t-\t-$/);
		t.is(lines[1], 'service.auto_up\tau\t1\talways');
	}
	// The fork follows asynchronously, and is broadcast too.
	const up = /^service\.state\tau\tup\t\d+\t\d+\t-\t-\t\d+\t-$/;
	await d.stdout.find(up);
	await observer.lines.find(up);
	t.pass();
});

test('a failed command creates no service (no ghost in statedump, our fix)', async t => {
	const { d, observer } = await withObserver(t);
	const failing = [
		'service.auto_up\tghost1\tx',
		'service.auto_up\tghost2\t3\tbogus',
		'service.auto_up\tghost3\t0\talways',
		'service.fds\tghost4\tnull\tbad name',
		'service.start\tghost5',
		'service.signal\tghost6\tHUP',
		'service.delete\tghost7',
	];
	for (const line of failing) {
		const { issuer, broadcast } = await exchange(d, observer, line);
		t.is(issuer.length, 1);
		t.regex(issuer[0] ?? '', /^error\t/);
		t.deepEqual(broadcast, []);
	}
	await d.command('service.tags\treal');
	const services = (await d.command('statedump')).filter(line => line.startsWith('service.'));
	t.deepEqual(services, [
		'service.state\treal\tdown\t-\t-\t-\t-\t-\t-',
		'service.tags\treal\t',
		'service.args\treal\t',
		'service.fds\treal\tnull\tnull\tnull',
		'service.auto_up\treal\t-',
	]);
});
