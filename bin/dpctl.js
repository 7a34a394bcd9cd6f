#!/usr/bin/env node
// dpctl(1) entry point: a thin shim that loads the compiled client and calls its main().
// All option parsing, behaviour and exit statuses live in build/src/dpctl/dpctl.js; nothing here.
// A missing build (or missing dependency) is the one case handled: one line on stderr, exit 111.
import('../build/src/dpctl/dpctl.js').then(
	({ main }) => main(),
	error => {
		if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
		process.stderr.write(`dpctl: fatal: ${String(error.message).split('\n')[0]}; run "npm ci" (or "npm run build")\n`);
		process.exit(111);
	},
);
