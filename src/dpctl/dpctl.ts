// dpctl(1), the command-line client: main() parses the command line (fast path in
// cli/argv.ts, full yargs otherwise), runs one command, and exits with its status:
// 0 ok, 1 the daemon said error, 3 not active (is-active), 99 timeout, 100 usage, 111 system error.
// Must never load yargs or a command module that the call does not use: startup time matters.

import { fastParse, wantsJson } from './argv.js';

async function run(argv: readonly string[]): Promise<number> {
	const parsed = await fastParse(argv);
	switch (parsed.kind) {
		case 'raw': {
			const { runRaw } = await import('./commands/raw.js');
			return runRaw(parsed.args, parsed.verb, parsed.fields);
		}
		case 'command':
			return parsed.command.handler(parsed.args);
		case 'bare': {
			const { runConsole } = await import('./console.js');
			return runConsole(parsed.args, async words => (await import('./yargs-app.js')).runYargs(words));
		}
		case 'yargs': {
			const { runYargs } = await import('./yargs-app.js');
			return runYargs(argv);
		}
	}
}

/** The diagnostic goes to stderr; stdout is flushed before exiting. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
	// `dpctl watch | head -1`: the reader is gone, which is the end of the job, not an error.
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code === 'EPIPE') process.exit(0);
		throw error;
	});
	let code: number;
	try {
		code = await run(argv);
	} catch (error: unknown) {
		const { describeFailure } = await import('./session.js');
		const failure = describeFailure(error);
		process.stderr.write(`${failure.message}\n`);
		code = failure.exitCode;
		// With --json every outcome is one JSON document on stdout, a failure too.
		if (wantsJson(argv)) {
			const error = failure.message.split('\n')[0]?.replace(/^dpctl: (?:error: |fatal: )?/, '');
			process.stdout.write(`${JSON.stringify({ ok: false, exit: code, error })}\n`);
		}
	}
	process.stdout.write('', () => process.exit(code));
}
