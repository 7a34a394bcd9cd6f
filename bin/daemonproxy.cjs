#!/usr/bin/env node
'use strict';
// daemonproxy(8) entry point: a thin shim that loads the compiled daemon and calls its main().
// All option parsing, behaviour and exit statuses live in src/daemon/main.ts; nothing here. What it
// loads is the build's one-file bundle of the daemon (scripts/bundle.js says why it is CommonJS).
// A missing build (or missing dependency) is the one case handled: one line on stderr, exit 111.
let daemon;
try {
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS entry point
	daemon = require('../build/src/daemon/daemonproxy.bundle.cjs');
} catch (error) {
	if (error?.code !== 'MODULE_NOT_FOUND') throw error;
	process.stderr.write(
		`daemonproxy: fatal: ${String(error.message).split('\n')[0]}; run "npm ci" (or "npm run build")\n`,
	);
	process.exit(111);
}
daemon.main();
