// Unit tests of src/os/make-directories.ts: the parents of a path, top down, each tried once,
// over a fake mkdir(2) that models a file system (no addon, no real directory).

import test from 'ava';
import { makeParentDirectories, parentPrefixes } from '../../../src/os/make-directories.js';

function errno(code: string): Error {
	return Object.assign(new Error(code), { code });
}

/** A fake mkdir: `existing` directories answer EEXIST, `refuse` maps a path to its errno. */
function fakeMkdir(existing: string[], refuse: Record<string, string> = {}) {
	const calls: string[] = [];
	const made = new Set(existing);
	const mkdir = (path: string, mode: number): void => {
		calls.push(`${path} ${mode.toString(8)}`);
		const code = refuse[path];
		if (code !== undefined) throw errno(code);
		if (made.has(path)) throw errno('EEXIST');
		made.add(path);
	};
	return { calls, made, mkdir };
}

test('parentPrefixes: every directory above the last component, outermost first', t => {
	t.deepEqual(parentPrefixes('/a/b/f'), ['/a', '/a/b']);
	t.deepEqual(parentPrefixes('a/b//c/f'), ['a', 'a/b', 'a/b//c']);
	t.deepEqual(parentPrefixes('//a/f'), ['//a']);
	t.deepEqual(parentPrefixes('f'), []);
	t.deepEqual(parentPrefixes('/f'), []);
	t.deepEqual(parentPrefixes(''), []);
});

test('makeParentDirectories: creates what is missing, with the mode, and leaves the rest', t => {
	const fs = fakeMkdir(['/tmp']);
	t.is(makeParentDirectories('/tmp/x/y/f', 0o700, fs.mkdir), null);
	t.deepEqual(fs.calls, ['/tmp 700', '/tmp/x 700', '/tmp/x/y 700']);
	t.true(fs.made.has('/tmp/x/y'));
});

test('makeParentDirectories: a /proc-like ENOENT stops the walk at once, each path tried once', t => {
	// /proc answers ENOENT for a new directory although its parent exists: Node's recursive
	// mkdirSync retried that for ever.
	const fs = fakeMkdir(['/proc'], { '/proc/nonexistent': 'ENOENT' });
	const error = makeParentDirectories('/proc/nonexistent/d/f', 0o700, fs.mkdir);
	t.is((error as NodeJS.ErrnoException | null)?.code, 'ENOENT');
	t.deepEqual(fs.calls, ['/proc 700', '/proc/nonexistent 700']);
});

test('makeParentDirectories: a file in the way (ENOTDIR) and a refusal (EACCES) end the walk with that error', t => {
	const file = fakeMkdir(['d'], { 'd/file/sub': 'ENOTDIR' });
	t.is((makeParentDirectories('d/file/sub/f', 0o700, file.mkdir) as NodeJS.ErrnoException).code, 'ENOTDIR');
	t.deepEqual(file.calls, ['d 700', 'd/file 700', 'd/file/sub 700']);
	const denied = fakeMkdir([], { ro: 'EACCES' });
	t.is((makeParentDirectories('ro/a/f', 0o700, denied.mkdir) as NodeJS.ErrnoException).code, 'EACCES');
	t.deepEqual(denied.calls, ['ro 700']);
});
