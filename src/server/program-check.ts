// Looks a service's program up the way execvp will (PATH search when it has no '/'), so that
// `service.start` can refuse a program that cannot run with an error line instead of a
// start/up/down exit-3 sequence. Read-only file-system checks; never runs anything.

import { accessSync, constants, statSync } from 'node:fs';
import { wireFromArg } from '../protocol/fields.js';

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

type Probe = 'ok' | 'missing' | 'denied';

function probe(path: Buffer): Probe {
	try {
		if (!statSync(path).isFile()) return 'denied';
		accessSync(path, constants.X_OK);
		return 'ok';
	} catch (error: unknown) {
		const code = (error as NodeJS.ErrnoException).code;
		return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'denied';
	}
}

/** Null when `program` (a latin1 string) can be executed, else the strerror text of why not. */
export function whyNotExecutable(
	program: string,
	pathVariable = wireFromArg(process.env['PATH'] ?? DEFAULT_PATH),
): string | null {
	const verdict = (result: Probe): string | null =>
		result === 'ok' ? null : result === 'missing' ? 'No such file or directory' : 'Permission denied';
	if (program.includes('/')) return verdict(probe(Buffer.from(program, 'latin1')));
	let sawDenied = false;
	for (const dir of pathVariable.split(':')) {
		const result = probe(Buffer.from(`${dir === '' ? '.' : dir}/${program}`, 'latin1'));
		if (result === 'ok') return null;
		if (result === 'denied') sawDenied = true;
	}
	return verdict(sawDenied ? 'denied' : 'missing');
}
