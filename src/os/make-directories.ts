// The `mkdir` flag of fd.open and fd.socket: creates the missing parent directories of a path,
// top down, one mkdir(2) per component and never a second attempt at any of them. Node's
// mkdirSync({recursive: true}) is not used: it retries a component whose parent "exists", and
// loops for ever on a file system that answers ENOENT for both (/proc).

/** One mkdir(2) of a latin1 path; throws an error with `code` (EEXIST, ENOENT, …) on failure. */
export type MkdirCall = (path: string, mode: number) => void;

/** The directories above `path`'s last component, outermost first (`a/b//c/f` → a, a/b, a/b//c). */
export function parentPrefixes(path: string): string[] {
	const prefixes: string[] = [];
	let end = path.indexOf('/', 1);
	while (end >= 0) {
		const prefix = path.slice(0, end);
		// A `//` names nothing new.
		if (!prefix.endsWith('/')) prefixes.push(prefix);
		end = path.indexOf('/', end + 1);
	}
	return prefixes;
}

/**
 * Creates every missing parent directory of `path` with `mode`. Returns null, or the error of the
 * first component that could not be created (the walk stops there: nothing below it can exist).
 */
export function makeParentDirectories(path: string, mode: number, mkdir: MkdirCall): Error | null {
	for (const prefix of parentPrefixes(path)) {
		try {
			mkdir(prefix, mode);
		} catch (error: unknown) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return error as Error;
		}
	}
	return null;
}
