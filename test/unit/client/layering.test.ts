// The client layer imports only the protocol codec, node built-ins and its two dependencies
// (ARCHITECTURE.md), plus sys.ts in dial.ts alone for abstract sockets, and the fast path of dpctl
// never loads yargs statically. Reads sources only.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const clientDir = join(root, 'src', 'client');

function sources(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
		const path = join(dir, e.name);
		return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [path] : [];
	});
}

/** [specifier, static?] of every import in a source file. */
function imports(file: string): Array<[string, boolean]> {
	const text = readFileSync(file, 'utf8');
	const found: Array<[string, boolean]> = [];
	for (const m of text.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) found.push([m[2] ?? '', m[1] === undefined]);
	for (const m of text.matchAll(/import\('([^']+)'\)/g)) found.push([m[1] ?? '', false]);
	return found;
}

// node:net cannot reach an exact-length abstract address (ARCHITECTURE.md): dial.ts gets that fd
// from sys.ts, loaded only when an @name is dialled, so a path-socket client never loads the addon.
const SYS = 'src/supervisor/sys.js';

test('src/client imports only src/client, src/protocol, node: built-ins, yargs', (t) => {
	for (const file of sources(clientDir)) {
		for (const [spec] of imports(file)) {
			if (spec.startsWith('node:') || spec === 'yargs') continue;
			const target = relative(root, join(file, '..', spec));
			if (target === SYS) continue; // the one exception, checked below
			t.true(target.startsWith('src/client/') || target.startsWith('src/protocol/'), `${relative(root, file)} imports ${spec}`);
		}
	}
});

test('only dial.ts imports src/supervisor/sys.js, and only dynamically', (t) => {
	let found = 0;
	for (const file of sources(clientDir)) {
		for (const [spec, isStatic] of imports(file)) {
			if (relative(root, join(file, '..', spec)) !== SYS) continue;
			found++;
			t.is(relative(clientDir, file), 'dial.ts');
			t.false(isStatic, 'import sys.js with import()');
		}
	}
	t.is(found, 1);
});

test('only the yargs application imports yargs, and only dynamically', (t) => {
	for (const file of sources(clientDir)) {
		for (const [spec, isStatic] of imports(file)) {
			if (spec !== 'yargs') continue;
			t.is(relative(clientDir, file), join('cli', 'yargs-app.ts'));
			t.false(isStatic, 'import yargs with import()');
		}
	}
});

test('dpctl.ts statically imports only the fast parser', (t) => {
	const statics = imports(join(clientDir, 'dpctl.ts')).filter(([, s]) => s).map(([spec]) => spec);
	t.deepEqual(statics, ['./cli/argv.js']);
});
