// Where things are for integration tests: the repository, the shims, the fixtures, temp folders.
// repoRoot is derived from this compiled file's place (build/test/integration/helpers/), never
// from the working directory. Temp folders are short (socket paths are limited to 107 bytes).

import { watch } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { DEFAULT_TIMEOUT_MS } from './poll.js';

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

/**
 * Resolves with what `attempt` returns once that is not undefined. `attempt` runs now and again
 * whenever inotify reports a change in the directory of `path` (an entry created, written,
 * renamed or removed, by any process), so a file a service writes is read when it changes, not
 * on a timer. An exception from `attempt` rejects at once; at the deadline it rejects with
 * `${what} within ${timeoutMs} ms` (`what` may be a function, evaluated then).
 */
export function watchPath<T>(
	path: string,
	attempt: () => T | undefined | Promise<T | undefined>,
	what: string | (() => string),
	timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		let settled = false;
		let running = false;
		let again = false;
		const end = (): boolean => {
			if (settled) return false;
			settled = true;
			clearTimeout(timer);
			watcher.close();
			return true;
		};
		const fail = (error: unknown): void => {
			if (end()) reject(error);
		};
		// One attempt at a time; a change during an attempt runs it once more afterwards.
		const check = async (): Promise<void> => {
			if (running) {
				again = true;
				return;
			}
			running = true;
			try {
				do {
					again = false;
					const result = await attempt();
					if (settled) return;
					if (result !== undefined) {
						if (end()) resolve(result);
						return;
					}
				} while (again);
			} catch (error: unknown) {
				fail(error);
			} finally {
				running = false;
			}
		};
		// Watching starts before the first attempt, so no change can fall between the two.
		const watcher = watch(dirname(path), () => void check());
		watcher.on('error', fail);
		const timer = setTimeout(() => {
			fail(new Error(`${typeof what === 'string' ? what : what()} within ${timeoutMs} ms`));
		}, timeoutMs);
		void check();
	});
}

/** Waits until `path` exists (any file type), or rejects at the deadline. */
export async function waitForPath(path: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
	await watchPath(
		path,
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
