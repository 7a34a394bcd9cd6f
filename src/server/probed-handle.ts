// A handle for a descriptor the daemon did not open itself (inherited at startup, or received
// with fd.take): its type and flags are probed from the kernel, its description is unknown.

import * as sys from '../os/sys.js';
import type { Handle } from '../supervisor/handle-table.js';

/** A handle for a descriptor we did not create (inherited or received): type and flags probed. */
export function probedHandle(name: string, fd: number): Handle {
	const info = sys.probe(fd);
	if (info?.kind === 'socket' && info.socket) {
		const flags = [info.socket.domain, info.socket.type, ...(info.nonblock ? ['nonblock'] : [])].join(',');
		return { name, fd, type: 'socket', flags, description: 'unknown', constant: false, peer: null };
	}
	const flags = [
		info?.access ?? 'read',
		...(info?.append ? ['append'] : []),
		...(info?.nonblock ? ['nonblock'] : []),
	].join(',');
	return { name, fd, type: 'file', flags, description: 'unknown', constant: false, peer: null };
}
