// The handles that exist without commands: the constant placeholders, `null`,
// `stdin`/`stdout`/`stderr`, and `fd_N` for every descriptor inherited at startup. Node marks
// inherited descriptors close-on-exec before any JavaScript runs and opens its own among them,
// so the sh entry point (bin/daemonproxy) lists them for us; a child gets only what it lists.

import type { Handle, HandleTable } from '../supervisor/handle-table.js';
import * as sys from '../os/sys.js';
import { probedHandle } from '../server/probed-handle.js';

/** 1.1 scanned descriptors 0..1023 at startup. */
const MAX_INHERITED_FD = 1023;

const READ_WRITE = { read: true, write: true, append: false, create: false, trunc: false, nonblock: false };

function special(name: string, flags: string, description: string, fd: number | null): Handle {
	return { name, fd, type: 'special', flags, description, constant: true, peer: null };
}

function openNull(): number {
	return sys.openFile('/dev/null', READ_WRITE);
}

/**
 * `inherited` is the list made by bin/daemonproxy (DAEMONPROXY_INHERITED_FDS); without it (the
 * daemon started as `node bin/daemonproxy.cjs`) there are no fd_N handles.
 */
export function seedStartupHandles(table: HandleTable, inherited: readonly number[]): void {
	table.seed(special('control.cmd', 'write', 'daemonproxy command pipe', null));
	table.seed(special('control.event', 'read', 'daemonproxy event stream', null));
	table.seed(special('control.socket', 'read,write', 'daemonproxy control socket', null));
	table.seed(special('null', 'read,write', '/dev/null', openNull()));
	const names = ['stdin', 'stdout', 'stderr'] as const;
	names.forEach((name, fd) => {
		const probed =
			sys.probe(fd) !== null
				? probedHandle(name, sys.dupCloexec(fd))
				: { ...probedHandle(name, openNull()), flags: fd === 0 ? 'read' : 'write' };
		table.seed(probed);
	});
	const open = new Set(sys.listOpenFds());
	for (const fd of inherited) {
		if (fd < 3 || fd > MAX_INHERITED_FD || !open.has(fd)) continue;
		sys.setCloexec(fd, true);
		table.seed(probedHandle(`fd_${fd}`, fd));
	}
}

/** stdin/stdout consumed by -i or -c -: the handles now hold /dev/null, flags as probed. */
export function replaceWithNull(table: HandleTable, names: readonly string[]): void {
	for (const name of names) {
		const old = table.get(name);
		if (!old) continue;
		table.seed({ ...old, fd: openNull() });
		if (old.fd !== null) sys.close(old.fd);
	}
}

/** Parse DAEMONPROXY_INHERITED_FDS ("3 4 7 "). */
export function parseInheritedFds(value: string | undefined): number[] {
	return (value ?? '')
		.split(/\s+/)
		.filter(word => /^\d+$/.test(word))
		.map(Number);
}
