// Where things are: the repository, the daemon's entry point, and fresh temp folders (short
// names: a UNIX socket path has at most 107 bytes), each removed when the run ends.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './procs.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
/** The sh entry point: it execs node on bin/daemonproxy.cjs, so its pid is the daemon's. */
export const daemonBin = join(repoRoot, 'bin', 'daemonproxy');
export const daemonJs = join(repoRoot, 'bin', 'daemonproxy.cjs');

/** A fresh folder under the system temp dir, removed (with its contents) at the end of the run. */
export function tempDir(prefix = 'dpb-') {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	onCleanup(() => rmSync(dir, { recursive: true, force: true }));
	return dir;
}
