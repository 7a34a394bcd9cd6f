// SocketClient: a control-socket connection as a test sees it, lines in and lines out (latin1).
// `@name` means the Linux abstract name "\0name" (design §2). connect() keeps retrying while the
// socket is missing or refused, until its deadline, so a test can connect right after starting.

import { createConnection, type Socket } from 'node:net';
import { commandVia, LineReader } from './line-reader.js';
import { DEFAULT_TIMEOUT_MS, pollUntil } from './poll.js';

const RETRYABLE = new Set(['ENOENT', 'ECONNREFUSED']);

// One attempt: the connected socket, or the code of an error worth retrying.
function connectOnce(address: string, timeoutMs: number): Promise<Socket | string> {
	return new Promise((resolve, reject) => {
		const socket = createConnection({ path: address });
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`connect timed out after ${timeoutMs} ms`));
		}, timeoutMs);
		const onError = (error: NodeJS.ErrnoException): void => {
			clearTimeout(timer);
			if (error.code !== undefined && RETRYABLE.has(error.code)) resolve(error.code);
			else reject(error);
		};
		socket.once('error', onError);
		socket.once('connect', () => {
			clearTimeout(timer);
			socket.off('error', onError);
			resolve(socket);
		});
	});
}

export class SocketClient {
	readonly socket: Socket;
	readonly lines: LineReader;
	readonly path: string;

	private constructor(socket: Socket, path: string) {
		this.socket = socket;
		this.path = path;
		this.lines = new LineReader(socket, `socket ${path}`);
	}

	static async connect(path: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<SocketClient> {
		const address = path.startsWith('@') ? `\0${path.slice(1)}` : path;
		const deadline = performance.now() + timeoutMs;
		let lastCode = '';
		const socket = await pollUntil(
			async () => {
				const result = await connectOnce(address, Math.max(1, Math.ceil(deadline - performance.now())));
				if (typeof result !== 'string') return result;
				lastCode = result;
				return undefined;
			},
			() => `SocketClient: could not connect to ${JSON.stringify(path)} (${lastCode})`,
			timeoutMs,
		);
		return new SocketClient(socket, path);
	}

	/** Writes `line` plus LF, latin1-encoded. */
	send(line: string): void {
		this.socket.write(Buffer.from(`${line}\n`, 'latin1'));
	}

	/** Writes bytes as given (a string is latin1-encoded); nothing is appended. */
	sendRaw(data: Buffer | string): void {
		this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
	}

	/** Sends `line` then an echo barrier; resolves with the lines received before the barrier. */
	command(line: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string[]> {
		return commandVia(text => this.send(text), this.lines, line, timeoutMs);
	}

	/** Drops the connection at once (both directions). */
	close(): void {
		this.socket.destroy();
	}

	/** Half-closes: sends EOF, keeps reading what the daemon still writes. */
	end(): void {
		this.socket.end();
	}
}
