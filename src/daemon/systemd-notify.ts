// The daemon's own readiness for its supervisor (systemd Type=notify, or any sd_notify listener):
// NOTIFY_SOCKET is read once at startup and removed from the environment, so that no service
// inherits it; READY=1 is sent once the startup is complete (the config file read to its end).
// Never blocks and never fails the daemon: a send that does not work is logged.

import * as sys from '../os/sys.js';
import type { Logger } from '../supervisor/logger.js';

/** NOTIFY_SOCKET as given (`/path` or `@abstract`), removed from the environment; null when unset. */
export function takeNotifySocket(): string | null {
	const address = process.env['NOTIFY_SOCKET'];
	delete process.env['NOTIFY_SOCKET'];
	return address === undefined || address === '' ? null : Buffer.from(address, 'utf8').toString('latin1');
}

/** Sends one sd_notify datagram (`READY=1`) to `address`. */
export function sdNotify(address: string, message: string, log: Logger): void {
	let fd = -1;
	try {
		fd = sys.createSocket('unix', 'dgram', true);
		sys.connectUnix(fd, address.startsWith('@') ? `\0${address.slice(1)}` : address);
		sys.send(fd, Buffer.from(message, 'latin1'));
	} catch (error: unknown) {
		log.warning(`NOTIFY_SOCKET ${address}: ${(error as Error).message}`);
	} finally {
		if (fd >= 0) sys.close(fd);
	}
}
