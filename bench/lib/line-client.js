// A line-protocol client over a UNIX stream socket: latin1 text, LF-framed, one handler per line.
// Used by every scenario to drive daemonproxy (and the line-server floor) the way a controller
// script would. Never buffers lines nobody asked for beyond the current handler's queue.

import { connectRetrying, waitForWake } from './waiting.js';

export class LineClient {
	/** @param {import('node:net').Socket} socket */
	constructor(socket) {
		this.socket = socket;
		this.partial = '';
		/** @type {string[]} */
		this.queue = [];
		/** @type {((line: string) => void) | null} */
		this.handler = null;
		/** @type {(() => void) | null} */
		this.wake = null;
		this.ended = false;
		socket.setNoDelay?.(true);
		socket.on('data', chunk => this.#data(chunk));
		socket.on('end', () => this.#end());
		socket.on('close', () => this.#end());
		socket.on('error', () => this.#end());
	}

	/** Connects to a UNIX socket path (or @abstract), retrying while it does not exist yet. */
	static async connect(path, { timeoutMs = 10_000 } = {}) {
		const address = path.startsWith('@') ? `\0${path.slice(1)}` : path;
		return new LineClient(await connectRetrying(address, path, timeoutMs, 5));
	}

	#data(chunk) {
		const text = this.partial + chunk.toString('latin1');
		let start = 0;
		for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', start)) {
			const line = text.slice(start, lf);
			start = lf + 1;
			if (this.handler) this.handler(line);
			else this.queue.push(line);
		}
		this.partial = text.slice(start);
		this.wake?.();
	}

	#end() {
		if (this.ended) return;
		this.ended = true;
		this.wake?.();
	}

	/** Writes text as latin1 (add the LFs yourself); resolves once the socket took it. */
	write(text) {
		return new Promise(resolve => {
			if (this.socket.write(Buffer.from(text, 'latin1'))) resolve(undefined);
			else this.socket.once('drain', resolve);
		});
	}

	/** Reads queued lines until `predicate` matches; returns them (the match last). */
	async collectUntil(predicate, timeoutMs = 30_000) {
		const out = [];
		const deadline = performance.now() + timeoutMs;
		for (;;) {
			while (this.queue.length > 0) {
				const line = /** @type {string} */ (this.queue.shift());
				out.push(line);
				if (predicate(line)) return out;
			}
			if (this.ended) throw new Error(`connection ended; last lines: ${JSON.stringify(out.slice(-5))}`);
			const left = deadline - performance.now();
			if (left <= 0) throw new Error(`timed out; last lines: ${JSON.stringify(out.slice(-5))}`);
			await waitForWake(this, left);
		}
	}

	/** Sends `lines` (without LF), then an echo barrier; resolves with the lines before the echo. */
	async command(lines, timeoutMs = 30_000) {
		const token = `bench-sync-${process.pid}-${++LineClient.seq}`;
		const text = (Array.isArray(lines) ? lines : [lines]).map(l => `${l}\n`).join('');
		await this.write(`${text}echo\t${token}\n`);
		const out = await this.collectUntil(line => line === token, timeoutMs);
		out.pop();
		return out;
	}

	close() {
		this.socket.destroy();
	}
}
LineClient.seq = 0;
