// A minimal HTTP/1.1 client on one kept-alive UNIX-socket connection, for supervisord's XML-RPC
// interface: one request at a time, responses framed by Content-Length (or chunked). Kept raw
// (no http.Agent) so that a round trip costs exactly one write and the reads of its answer.

import { connectRetrying, waitForWake } from './waiting.js';

function xmlEscape(text) {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function encodeValue(value) {
	if (typeof value === 'boolean') return `<boolean>${value ? 1 : 0}</boolean>`;
	if (typeof value === 'number') return `<int>${value}</int>`;
	return `<string>${xmlEscape(String(value))}</string>`;
}

/** The XML-RPC request body for `method(params…)`. */
export function xmlrpcBody(method, params = []) {
	const encoded = params.map(p => `<param><value>${encodeValue(p)}</value></param>`).join('');
	return `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${encoded}</params></methodCall>`;
}

/** A complete HTTP/1.1 POST /RPC2 request for `method(params…)`. */
export function xmlrpcRequest(method, params = [], { close = false } = {}) {
	const body = Buffer.from(xmlrpcBody(method, params), 'utf8');
	const head = `POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: ${body.length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
	return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

export class HttpClient {
	/** @param {import('node:net').Socket} socket */
	constructor(socket) {
		this.socket = socket;
		this.buffer = Buffer.alloc(0);
		/** @type {(() => void) | null} */
		this.wake = null;
		this.ended = false;
		socket.setNoDelay?.(true);
		socket.on('data', chunk => {
			this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
			this.wake?.();
		});
		const end = () => {
			this.ended = true;
			this.wake?.();
		};
		socket.on('end', end);
		socket.on('close', end);
		socket.on('error', end);
	}

	static async connect(path, { timeoutMs = 10_000 } = {}) {
		return new HttpClient(await connectRetrying(path, path, timeoutMs, 10));
	}

	/** Tries to take one complete response off the buffer; returns its body or null. */
	#take() {
		const headEnd = this.buffer.indexOf('\r\n\r\n');
		if (headEnd === -1) return null;
		const head = this.buffer.subarray(0, headEnd).toString('latin1');
		const status = /^HTTP\/1\.[01] (\d+)/.exec(head);
		if (!status) throw new Error(`bad HTTP response: ${JSON.stringify(head.slice(0, 80))}`);
		const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
		let body;
		let rest;
		if (length) {
			const total = headEnd + 4 + Number(length[1]);
			if (this.buffer.length < total) return null;
			body = this.buffer.subarray(headEnd + 4, total);
			rest = this.buffer.subarray(total);
		} else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
			const parts = [];
			let at = headEnd + 4;
			for (;;) {
				const lineEnd = this.buffer.indexOf('\r\n', at);
				if (lineEnd === -1) return null;
				const size = Number.parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16);
				if (this.buffer.length < lineEnd + 2 + size + 2) return null;
				if (size === 0) {
					rest = this.buffer.subarray(lineEnd + 4);
					break;
				}
				parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
				at = lineEnd + 2 + size + 2;
			}
			body = Buffer.concat(parts);
		} else {
			if (!this.ended) return null; // delimited by the end of the connection
			body = this.buffer.subarray(headEnd + 4);
			rest = Buffer.alloc(0);
		}
		this.buffer = rest;
		if (status[1] !== '200') throw new Error(`HTTP ${status[1]}: ${body.toString('utf8').slice(0, 200)}`);
		return body.toString('utf8');
	}

	/** Sends a prepared request; resolves with the response body. */
	async request(bytes, timeoutMs = 60_000) {
		this.socket.write(bytes);
		const deadline = performance.now() + timeoutMs;
		for (;;) {
			const body = this.#take();
			if (body !== null) return body;
			if (this.ended) throw new Error('connection closed before the response was complete');
			const left = deadline - performance.now();
			if (left <= 0) throw new Error('timed out waiting for an HTTP response');
			await waitForWake(this, left);
		}
	}

	/** Calls an XML-RPC method; resolves with the raw response XML, rejects on a fault. */
	async xmlrpc(method, params = [], timeoutMs = 60_000) {
		const body = await this.request(xmlrpcRequest(method, params), timeoutMs);
		if (body.includes('<fault>')) {
			const text = /<name>faultString<\/name>\s*<value>(?:<string>)?([^<]*)/.exec(body)?.[1] ?? body.slice(0, 200);
			throw new Error(`${method}: ${text}`);
		}
		return body;
	}

	close() {
		this.socket.destroy();
	}
}
