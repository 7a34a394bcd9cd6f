// Integration tests of correlated requests (design §4): tagged requests pipelined from 10 clients
// on a busy daemon (restarting services, a client flooding changes, statedumps streamed under
// back-pressure) each get their own lines, tagged, ending with exactly one terminal line, in
// request order; untagged lines keep the 1.1 shapes; an invalid tag is refused.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { fixture, SocketClient, startDaemon, tempDir } from './helpers/daemon.js';

async function connect(t: ExecutionContext, path: string): Promise<SocketClient> {
	const client = await SocketClient.connect(path);
	t.teardown(() => client.close());
	return client;
}

interface Request {
	readonly tag: string;
	readonly line: string;
	/** Checks the lines of the request (without their tag), terminal line included. */
	readonly check: (lines: string[]) => string | null;
}

const TAG_RE = /^:([A-Za-z0-9._-]{1,32})\t/;

function requestsFor(client: number, services: number): Request[] {
	const requests: Request[] = [];
	for (let j = 0; j < 12; j++) {
		const tag = `c${client}.${j}`;
		switch (j % 6) {
			case 0:
				requests.push({
					tag,
					line: `echo\tpayload\t${client}\t${j}`,
					check: lines => same(lines, [`payload\t${client}\t${j}`, 'ok']),
				});
				break;
			case 1:
				requests.push({
					tag,
					line: 'statedump',
					check: lines => {
						if (lines.at(-1) !== 'ok') return `dump ends with ${String(lines.at(-1))}`;
						const services5 = lines.filter(line => /^service\.(state|tags|args|fds|auto_up)\tbig\d+\t/.test(line));
						if (services5.length !== services * 5) return `dump has ${services5.length} lines of big services`;
						return lines.slice(0, -1).every(line => /^(fd\.state|service\.[a-z_]+|signal)\t/.test(line))
							? null
							: 'not a dump line';
					},
				});
				break;
			case 2:
				requests.push({
					tag,
					line: `service.start\tnope${client}`,
					check: lines => same(lines, ['error\tNo such service']),
				});
				break;
			case 3:
				requests.push({ tag, line: `service.tags\tbusy${client}\t${j}`, check: lines => same(lines, ['ok']) });
				break;
			case 4:
				requests.push({
					tag,
					line: 'bogus.verb\tx',
					check: lines => same(lines, ['error\tUnknown command: bogus.verb']),
				});
				break;
			default:
				requests.push({ tag, line: '# a comment', check: lines => same(lines, ['ok']) });
		}
	}
	return requests;
}

function same(actual: string[], expected: string[]): string | null {
	return JSON.stringify(actual) === JSON.stringify(expected)
		? null
		: `${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`;
}

test('tagged requests from 10 clients on a busy daemon always get their own replies', async t => {
	const dir = await tempDir(t);
	const config = join(dir, 'conf');
	const services = 60;
	const lines = [
		...['r0', 'r1'].flatMap(name => [
			`service.args\t${name}\t${fixture('exit-with.sh')}`,
			`service.auto_up\t${name}\t1\talways`,
		]),
		...Array.from({ length: services }, (_, i) => `service.args\tbig${i}\t/bin/true\t${'arg'.repeat(20)}`),
	];
	await writeFile(config, `${lines.join('\n')}\n`);
	const path = join(dir, 'ctl');
	// A small high-water mark: every statedump is streamed across many drains.
	const d = await startDaemon(t, ['-c', config, '-S', path, '--output-high-water', '1024']);
	const noisy = await connect(t, path);
	const clients = await Promise.all(Array.from({ length: 10 }, async () => connect(t, path)));
	// Let the config reader finish before dumps are compared with its service count: this session
	// sees the config's events, the last one included.
	await d.stdout.find(new RegExp(`^service\\.args\\tbig${services - 1}\\t`));
	const starts = clients.map(client => client.lines.seen.length);

	for (let k = 0; k < 400; k++) noisy.send(`service.tags\tnoise\t${k}`);
	const plans = clients.map((_, i) => requestsFor(i, services));
	for (const [i, client] of clients.entries()) {
		for (const [j, request] of (plans[i] ?? []).entries()) {
			client.send(`:${request.tag}\t${request.line}`);
			if (j % 4 === 0) client.send(`echo\tplain\t${i}\t${j}`);
		}
		client.send(`:done${i}\techo`);
	}
	await Promise.all(clients.map(async (client, i) => client.lines.waitFor(`:done${i}\tok`)));

	for (const [i, client] of clients.entries()) {
		const seen = client.lines.seen.slice(starts[i]);
		const tagged = seen.filter(line => TAG_RE.test(line));
		const foreign = tagged.filter(line => !line.startsWith(`:c${i}.`) && !line.startsWith(`:done${i}\t`));
		t.deepEqual(foreign, [], `client ${i} got only its own tags`);
		// Group by tag, in arrival order: each request's lines arrive together and in request order.
		const order: string[] = [];
		const groups = new Map<string, string[]>();
		for (const line of tagged) {
			const tag = TAG_RE.exec(line)?.[1] ?? '';
			if (!groups.has(tag)) {
				order.push(tag);
				groups.set(tag, []);
			}
			if (order.at(-1) !== tag) t.fail(`client ${i}: lines of ${tag} are split by ${String(order.at(-1))}`);
			groups.get(tag)?.push(line.slice(tag.length + 2));
		}
		const plan = plans[i] ?? [];
		t.deepEqual(order, [...plan.map(request => request.tag), `done${i}`], `client ${i}: request order`);
		for (const request of plan) {
			const problem = request.check(groups.get(request.tag) ?? []);
			if (problem !== null) t.fail(`client ${i} ${request.tag} (${request.line}): ${problem}`);
		}
		// Untagged: 1.1 echo replies in order, and broadcast events (never tagged).
		const untagged = seen.filter(line => !TAG_RE.test(line));
		t.deepEqual(
			untagged.filter(line => line.startsWith('plain\t')),
			plan.flatMap((_, j) => (j % 4 === 0 ? [`plain\t${i}\t${j}`] : [])),
		);
		t.true(
			untagged.every(line => /^(plain|service\.(state|tags)|signal)\t/.test(line)),
			`client ${i}: untagged lines are events or echo replies`,
		);
		t.true(
			untagged.some(line => line.startsWith('service.tags\tnoise\t')),
			'events interleave',
		);
	}
	t.pass();
});

test('untagged lines keep 1.1 shapes; a bad tag is refused untagged; a lone tag is ok', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl');
	await startDaemon(t, ['-S', path]);
	const client = await connect(t, path);
	t.deepEqual(await client.command('service.start\tnope'), [
		'error\tNo such service, for command "service.start\tnope"',
	]);
	t.deepEqual(await client.command('bogus'), ['error\tUnknown command: bogus']);
	t.deepEqual(await client.command(':bad tag\techo\tx'), [
		'error\tinvalid request tag, for command ":bad tag\techo\tx"',
	]);
	t.deepEqual(await client.command(`:${'T'.repeat(33)}\techo`), [
		`error\tinvalid request tag, for command ":${'T'.repeat(29)}..."`,
	]);
	t.deepEqual(await client.command(':x'), [':x\tok']);
	t.deepEqual(await client.command(':x\t'), [':x\tok']);
	t.deepEqual(await client.command(':w\tservice.fds\tweb\tnull\tmissing'), [
		':w\twarning: fd "missing" is not yet defined',
		'service.fds\tweb\tnull\tmissing',
		':w\tok',
	]);
	t.deepEqual(await client.command(':l\tlog.filter'), [':l\tlog.filter\tdebug', ':l\tok']);
	t.deepEqual(await client.command(':e\tservice.auto_up\tghost\tx'), [':e\terror\tExpected integer']);
	client.send(':q\texit');
	await client.lines.ended;
	t.is(client.lines.seen.at(-1), ':q\tok');
});
