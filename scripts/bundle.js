#!/usr/bin/env node
// Bundles the compiled daemon (build/src/daemon/main.js and everything it imports) into one
// CommonJS file, build/src/daemon/daemonproxy.bundle.cjs, which bin/daemonproxy.cjs loads.
// Why: the daemon should idle within 1.25× the memory of a bare Node process (bench/footprint.js).
// Loaded as 43 ES modules it took 1.31×: Node's ES module loader costs memory per module, and an
// ESM import of a builtin such as node:fs evaluates all its lazy getters (that alone loads the
// whole streams stack). One CommonJS file, required from a CommonJS entry point, idles at ~1.07×.
// tsc still compiles and type-checks every file; esbuild only joins its output, unminified, so
// stack traces keep their function names. The bundle sits beside main.js, so the paths the code
// resolves from import.meta.url (the addon, package.json) stay the same.
import { build } from 'esbuild';

await build({
	entryPoints: ['build/src/daemon/main.js'],
	outfile: 'build/src/daemon/daemonproxy.bundle.cjs',
	bundle: true,
	format: 'cjs',
	platform: 'node',
	target: 'node20',
	packages: 'external',
	// CommonJS has no import.meta; the bundle's own file URL stands in for it.
	define: { 'import.meta.url': '__bundle_url' },
	banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
	legalComments: 'none',
	logLevel: 'warning',
});
