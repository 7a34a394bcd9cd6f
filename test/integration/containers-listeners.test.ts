// Listeners for containers and hosts (daemonproxy(8), The control socket; issue 17): several -S at
// once (a path on a shared volume and an @name), a plain node:net client of an abstract name, and
// socket.create / socket.delete acting on every listener as 1.1's one.

import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { DEFAULT_TIMEOUT_MS, dpctlBin, SocketClient, startDaemon, tempDir } from './helpers/daemon.js';

const uniqueName = (): string => `dp-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** One line sent by a plain node:net client to `\0name` (Node pads it to the whole sun_path); its answer. */
function nodeNetEcho(name: string, text: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = createConnection(`\0${name}`);
		let received = '';
		socket.setEncoding('latin1');
		socket.on('connect', () => socket.write(`echo\t${text}\n`));
		socket.on('data', (chunk: string) => {
			received += chunk;
			const end = received.indexOf('\n');
			if (end < 0) return;
			socket.destroy();
			resolve(received.slice(0, end));
		});
		socket.on('error', reject);
	});
}

test('two -S listeners, a path and an @name, both answer', async t => {
	const path = join(await tempDir(t), 'ctl.sock');
	const name = uniqueName();
	await startDaemon(t, ['-S', path, '-S', `@${name}`], { interactive: false });
	const viaPath = await SocketClient.connect(path);
	t.teardown(() => viaPath.close());
	t.deepEqual(await viaPath.command('echo\tpath'), ['path']);
	const viaName = await execa(dpctlBin, ['-S', `@${name}`, 'echo', 'name'], {
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
	});
	t.is(viaName.exitCode, 0, viaName.stderr);
	t.is(viaName.stdout.trim(), 'name');
});

test('a plain node:net client reaches -S @name; socket.delete closes every listener, its alias too', async t => {
	const dir = await tempDir(t);
	const path = join(dir, 'ctl.sock');
	const name = uniqueName();
	const d = await startDaemon(t, ['-S', `@${name}`, '-S', path]);
	t.is(await nodeNetEcho(name, 'hello from node:net'), 'hello from node:net');
	d.send('socket.delete');
	await d.command('echo\tsync');
	await t.throwsAsync(nodeNetEcho(name, 'gone'), { code: 'ECONNREFUSED' });
	t.false(existsSync(path), 'the path listener is gone too');
	// socket.create: one listener again (and its node:net alias), as 1.1's single socket.
	d.send(`socket.create\t\t@${name}`);
	await d.command('echo\tsync');
	t.is(await nodeNetEcho(name, 'back'), 'back');
});
