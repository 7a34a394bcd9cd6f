// Reaching a Linux abstract socket (`@name`, design §2) through socat(1). Node 20's net module
// pads abstract addresses to the full sun_path (108 bytes), so it cannot connect to a name bound
// with its exact length, which is what daemonproxy (and systemd, socat) do. socat connects with
// the exact length; its stdin/stdout become our byte stream.
// Must never leave socat running: destroying the stream kills it.

import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { ConnectionError } from './errors.js';

/** socat -d -d says this once connected (and before any data moves). */
const READY_RE = /starting data transfer loop/;
const ERROR_RE = / E (?:connect|socket)\(.*\): (.+)$/m;

const ERRNO_BY_TEXT: ReadonlyArray<readonly [RegExp, string]> = [
	[/Connection refused/, 'ECONNREFUSED'], [/No such file/, 'ENOENT'], [/Permission denied/, 'EACCES'],
];

export function dialAbstractViaSocat(address: string, signal?: AbortSignal): Promise<Duplex> {
	return new Promise((resolve, reject) => {
		const child = spawn('socat', ['-d', '-d', '-', `ABSTRACT-CONNECT:${address.slice(1)}`], { stdio: ['pipe', 'pipe', 'pipe'] });
		let log = '';
		let settled = false;
		const fail = (error: unknown): void => {
			if (settled) return;
			settled = true;
			child.kill('SIGKILL');
			reject(error);
		};
		const onAbort = (): void => fail(signal?.reason);
		signal?.addEventListener('abort', onAbort, { once: true });
		child.on('error', (error: NodeJS.ErrnoException) => fail(new ConnectionError(error.code === 'ENOENT' ? 'ENOSOCAT' : error.code ?? 'EIO', address,
			`unable to connect to ${address}: Node.js cannot reach an abstract socket by itself and socat could not be run (${error.code ?? error.message})`)));
		child.on('exit', () => {
			const text = ERROR_RE.exec(log)?.[1] ?? 'socat ended';
			const code = ERRNO_BY_TEXT.find(([re]) => re.test(text))?.[1] ?? 'EIO';
			fail(new ConnectionError(code, address, `unable to connect to ${address}: ${code === 'EIO' ? text : code}`));
		});
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (chunk: string) => {
			if (settled) return; // after the connection, socat's notices are of no interest
			log += chunk;
			if (!READY_RE.test(log)) return;
			settled = true;
			signal?.removeEventListener('abort', onAbort);
			const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
			stream.on('close', () => child.kill('SIGKILL'));
			resolve(stream);
		});
	});
}
