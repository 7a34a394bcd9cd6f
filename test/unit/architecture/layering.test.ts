// The layers of ARCHITECTURE.md, checked from the sources: which folder of src/ may import
// which, that only the OS layer loads the addon, and the lazy loading that keeps dpctl fast (the
// client reaches the OS layer only through dial.ts's import(), dpctl loads yargs only with
// import()). ESLint checks the same boundaries while editing; this test needs no linter.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** src/layers.json: each layer and the layers it may import, and the packages a layer may import. */
const architecture = JSON.parse(readFileSync(join(root, 'src', 'layers.json'), 'utf8')) as {
	layers: Record<string, readonly string[]>;
	packages: Record<string, readonly string[]>;
};
const LAYERS = architecture.layers;
const PACKAGES = architecture.packages;

function sources(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
		const path = join(dir, e.name);
		return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [path] : [];
	});
}

interface Import {
	readonly file: string;
	readonly spec: string;
	/** Repository-relative target of a relative import, else null. */
	readonly target: string | null;
	readonly isStatic: boolean;
}

function imports(file: string): Import[] {
	const text = readFileSync(file, 'utf8');
	const found: Import[] = [];
	const add = (spec: string, isStatic: boolean) => {
		const target = spec.startsWith('.') ? relative(root, join(file, '..', spec)) : null;
		found.push({ file: relative(root, file), spec, target, isStatic });
	};
	for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm))
		add(m[2] ?? '', m[1] === undefined);
	for (const m of text.matchAll(/import\('([^']+)'\)/g)) add(m[1] ?? '', false);
	return found;
}

const all = Object.keys(LAYERS).flatMap(layer => sources(join(root, 'src', layer)).flatMap(imports));
const layerOf = (path: string): string => path.split('/')[1] ?? '';

test('every folder of src/ with TypeScript is a known layer', t => {
	const folders = readdirSync(join(root, 'src'), { withFileTypes: true })
		.filter(e => e.isDirectory() && sources(join(root, 'src', e.name)).length > 0)
		.map(e => e.name);
	t.deepEqual(folders.sort(), Object.keys(LAYERS).sort());
});

test('each layer imports only the layers below it, node: built-ins and its own packages', t => {
	const wrong: string[] = [];
	for (const { file, spec, target } of all) {
		const from = layerOf(file);
		if (spec.startsWith('node:')) continue;
		if (target === null) {
			if (!(PACKAGES[from] ?? []).includes(spec)) wrong.push(`${file} imports ${spec}`);
			continue;
		}
		const to = layerOf(target);
		if (to === from || (LAYERS[from] ?? []).includes(to)) continue;
		if (file === 'src/client/dial.ts' && target === 'src/os/sys.js') continue; // checked below
		wrong.push(`${file} imports ${spec}`);
	}
	t.deepEqual(wrong, []);
});

test('only src/os loads the compiled addon', t => {
	const loaders = Object.keys(LAYERS)
		.flatMap(layer => sources(join(root, 'src', layer)))
		.filter(file => readFileSync(file, 'utf8').includes('daemonproxy_sys.node'))
		.map(file => relative(root, file));
	t.deepEqual(loaders, ['src/os/sys.ts']);
});

// node:net cannot reach an exact-length abstract address (ARCHITECTURE.md): dial.ts gets that fd
// from sys.ts, loaded only when an @name is dialled, so a path-socket client never loads the addon.
test('the client reaches the OS layer only through dial.ts, and only with import()', t => {
	const found = all.filter(i => layerOf(i.file) === 'client' && i.target !== null && layerOf(i.target) === 'os');
	t.deepEqual(
		found.map(i => [i.file, i.target, i.isStatic]),
		[['src/client/dial.ts', 'src/os/sys.js', false]],
	);
});

test('only the yargs application imports yargs, and only dynamically', t => {
	const found = all.filter(i => i.spec === 'yargs');
	t.deepEqual(
		found.map(i => [i.file, i.isStatic]),
		[['src/dpctl/yargs-app.ts', false]],
	);
});

test('dpctl.ts statically imports only the fast parser', t => {
	const statics = all.filter(i => i.file === 'src/dpctl/dpctl.ts' && i.isStatic).map(i => i.spec);
	t.deepEqual(statics, ['./argv.js']);
});
