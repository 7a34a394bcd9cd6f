// Gives the daemon non-blocking access to a descriptor it shares with others (its stdin,
// stdout and stderr, a log.dest handle) without changing the shared open file description:
// O_NONBLOCK set on a shared description would surprise every other process holding it (the
// shell's terminal, a service writing to the same pipe).

import { openFile, probe, dupCloexec, setNonblock } from './sys.js';

/**
 * Re-open `/proc/self/fd/N` with O_NONBLOCK: for pipes, FIFOs and ttys this yields a new open
 * file description of the same object. A regular file never blocks, and a new description
 * would have its own offset (overwriting what others write), so it gets a plain duplicate.
 * Sockets cannot be re-opened that way: they get a plain duplicate too, left blocking — sys.send
 * and sys.recv use MSG_DONTWAIT on sockets, so the shared description keeps its flags unless
 * it is also polled (libuv sets O_NONBLOCK on polled fds; FdLogSink avoids polling sockets).
 * Returns a descriptor the caller owns.
 */
function openPrivate(fd: number, direction: 'read' | 'write'): number {
	const info = probe(fd);
	if (info && info.kind !== 'socket' && info.kind !== 'file') {
		try {
			const read = direction === 'read';
			return openFile(`/proc/self/fd/${fd}`, {
				read,
				write: !read,
				append: false,
				create: false,
				trunc: false,
				nonblock: true,
			});
		} catch {
			// fall through to the shared description
		}
	}
	const copy = dupCloexec(fd);
	if (info?.kind !== 'file' && info?.kind !== 'socket') setNonblock(copy, true);
	return copy;
}

export function openPrivateWriter(fd: number): number {
	return openPrivate(fd, 'write');
}

/** The same for reading (stdin under -i or -c -). */
export function openPrivateReader(fd: number): number {
	return openPrivate(fd, 'read');
}
