// The command line every scenario shares, and the wrapper that runs a scenario and always stops
// what it started. Options:
//   --quick        tiny counts and few runs: a smoke test of seconds, not a measurement
//   --no-peers     daemonproxy (and the in-run floors) only: no pm2, no supervisord
//   --peers LIST   comma-separated subset of pm2,supervisord
//   --runs N       repetitions per subject (default per scenario)
//   --json FILE    also write the results as JSON (run-all.js collects them)

import { stopAll } from './procs.js';

export const PEERS = /** @type {const} */ (['pm2', 'supervisord']);

/**
 * @typedef {{quick: boolean, peers: Set<string>, runs: number | null, json: string | null}} Options
 */

/** @returns {Options} */
export function parseOptions(argv = process.argv.slice(2)) {
	/** @type {Options} */
	const options = { quick: false, peers: new Set(PEERS), runs: null, json: null };
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const value = () => {
			const next = argv[++i];
			if (next === undefined) usage(`${arg} needs a value`);
			return /** @type {string} */ (next);
		};
		if (arg === '--quick') options.quick = true;
		else if (arg === '--no-peers') options.peers = new Set();
		else if (arg === '--peers') {
			options.peers = new Set(value().split(',').filter(Boolean));
			for (const peer of options.peers) if (!PEERS.includes(/** @type {any} */ (peer))) usage(`unknown peer "${peer}"`);
		} else if (arg === '--runs') {
			options.runs = Number(value());
			if (!Number.isInteger(options.runs) || options.runs < 1) usage('--runs needs a positive integer');
		} else if (arg === '--json') options.json = value();
		else if (arg === '-h' || arg === '--help') usage(null);
		else usage(`unknown option "${arg}"`);
	}
	return options;
}

function usage(error) {
	exitWithUsage(
		'bench',
		'usage: node bench/SCENARIO.js [--quick] [--no-peers | --peers pm2,supervisord] [--runs N] [--json FILE]\n',
		error,
	);
}

/** Ends the process: `text` on stdout and 0 for --help (`error` null), else `PROGRAM: error` and `text` on stderr, 2. */
export function exitWithUsage(program, text, error) {
	if (error === null) {
		process.stdout.write(text);
		process.exit(0);
	}
	process.stderr.write(`${program}: ${error}\n${text}`);
	process.exit(2);
}

/** Runs `scenario(options)`, then stops every process it started, even after an error. */
export async function main(scenario) {
	const options = parseOptions();
	try {
		await scenario(options);
	} catch (error) {
		process.stderr.write(`bench: fatal: ${/** @type {Error} */ (error).stack ?? String(error)}\n`);
		process.exitCode = 1;
	} finally {
		await stopAll();
	}
	// pm2's in-process client keeps sockets and timers alive after disconnecting: end explicitly.
	process.exit();
}
