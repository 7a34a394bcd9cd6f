// Where things are for integration tests: the repository, the shims, the fixtures, temp folders.
// repoRoot is derived from this compiled file's place (build/test/integration/helpers/), never
// from the working directory. Temp folders are short (socket paths are limited to 107 bytes).

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { DEFAULT_TIMEOUT_MS, pollUntil } from './poll.js';

export const repoRoot: string = fileURLToPath(new URL('../../../../', import.meta.url)).replace(/\/$/, '');
/** The sh entry point (it records inherited fds, then runs bin/daemonproxy.cjs under node). */
export const daemonBin: string = join(repoRoot, 'bin', 'daemonproxy');
export const dpctlBin: string = join(repoRoot, 'bin', 'dpctl.js');

/** Absolute path of test/fixtures/NAME in the source tree (fixtures are not compiled). */
export function fixture(name: string): string {
	return join(repoRoot, 'test', 'fixtures', name);
}

/** A fresh empty directory, removed with its contents when the test ends (pass or fail). */
export async function tempDir(t: ExecutionContext): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), 'dpt-'));
	t.teardown(() => rm(dir, { recursive: true, force: true }));
	return dir;
}

/** Polls until `path` exists (any file type), or rejects at the deadline. */
export async function waitForPath(path: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
	await pollUntil(
		() =>
			stat(path).then(
				() => true,
				(error: NodeJS.ErrnoException) => {
					if (error.code === 'ENOENT') return undefined;
					throw error;
				},
			),
		`waitForPath: ${path} did not appear`,
		timeoutMs,
	);
}
