// The opt-in HTTP probe endpoint (`--health-listen`; daemonproxy(8), SHUTDOWN AND PROBES) for
// orchestrators that probe over HTTP: GET /livez answers 200 when the event loop answers at all;
// GET /readyz answers 200 when every service that must be ready is, else 503 naming those that
// are not. Loaded only when the option is given (node:http is not imported otherwise), loopback
// unless an address says otherwise, and bounded: few connections, short timeouts, tiny answers,
// no request body read, so a prober that misbehaves cannot hold the daemon.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '../supervisor/logger.js';

const MAX_CONNECTIONS = 16;
const TIMEOUT_MS = 5000;

export interface HealthSource {
	/** Names of the services that must be ready and are not; empty when ready. */
	notReady(): string[];
	/** True once a shutdown is under way: not ready any more. */
	shuttingDown(): boolean;
}

/** `PORT`, `ADDR:PORT` or `[ADDR6]:PORT` (port 0: any free one) → where to listen; a string is the error. */
export function parseHealthListen(value: string): { host: string; port: number } | string {
	const match = /^(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+|localhost):)?([0-9]{1,5})$/.exec(value);
	const port = Number(match?.[2]);
	if (!match || port > 65535)
		return `--health-listen expects PORT, ADDR:PORT or [ADDR6]:PORT (loopback by default), not "${value}"`;
	const host = (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
	return { host, port };
}

function answer(response: ServerResponse, status: number, body: string): void {
	response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
	response.end(`${body}\n`);
}

function route(source: HealthSource, request: IncomingMessage, response: ServerResponse): void {
	if (request.method !== 'GET' && request.method !== 'HEAD') return answer(response, 405, 'method not allowed');
	const path = (request.url ?? '').split('?')[0];
	if (path === '/livez') return answer(response, 200, 'ok');
	if (path !== '/readyz') return answer(response, 404, 'not found: try /livez or /readyz');
	if (source.shuttingDown()) return answer(response, 503, 'shutting down');
	const waiting = source.notReady();
	if (waiting.length === 0) return answer(response, 200, 'ok');
	answer(response, 503, `not ready: ${waiting.join(', ')}`);
}

/** Starts listening; failures are logged, never fatal (the probe fails, the daemon runs). */
export async function startHealthServer(
	where: { host: string; port: number },
	source: HealthSource,
	log: Logger,
): Promise<Server> {
	const { createServer } = await import('node:http');
	const server = createServer((request, response) => route(source, request, response));
	server.maxConnections = MAX_CONNECTIONS;
	server.headersTimeout = TIMEOUT_MS;
	server.requestTimeout = TIMEOUT_MS;
	server.keepAliveTimeout = TIMEOUT_MS;
	server.maxHeadersCount = 32;
	server.on('error', (error: Error) => log.error(`health endpoint ${where.host}:${where.port}: ${error.message}`));
	server.on('clientError', (_error, socket) => socket.destroy());
	server.listen({ host: where.host, port: where.port }, () => {
		// Port 0 picks a free one: the log says which.
		const { port } = server.address() as { port: number };
		log.info(`health endpoint listening on http://${where.host}:${port}/ (livez, readyz)`);
	});
	// The probe never keeps the daemon alive on its own, nor its exit waiting.
	server.unref();
	return server;
}
