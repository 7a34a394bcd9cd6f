#!/usr/bin/env node
// `npm test` runner: AVA with --tap over the compiled tests (build/test/**/*.test.js, from the
// ava config in package.json; extra arguments are passed through as file filters or AVA options).
// The raw TAP goes to stdout as it arrives; then one line `N passed, N failed[, N skipped]`.
// Exit status is non-zero when AVA failed, any test point failed, or no test ran at all.
// AVA 7's TAP reporter itself crashes on a test timeout or a test's process.exit() (no `not ok`,
// no plan line): a run that ends without its plan line counts one failure, named from stderr.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const avaCli = fileURLToPath(new URL('cli.mjs', import.meta.resolve('ava')));

// AVA runs from the repository root (where its config is); a path the user gave relative to
// their own directory is rewritten to stay the same file.
const args = process.argv.slice(2).map(arg => {
	if (arg.startsWith('-') || isAbsolute(arg) || !existsSync(arg)) return arg;
	return relative(repoRoot, resolve(arg)) || '.';
});

// AVA leads its own process group so that workers it leaves behind when it crashes can be ended
// (SIGTERM lets a worker's test helpers kill the daemons it started).
const child = spawn(process.execPath, [avaCli, '--tap', ...args], {
	cwd: repoRoot,
	stdio: ['inherit', 'pipe', 'pipe'],
	detached: true,
});
function signalGroup(signal) {
	try {
		process.kill(-child.pid, signal);
	} catch {
		// ESRCH: the group is empty.
	}
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(signal, () => signalGroup(signal));
}

// stderr passes straight through; its tail is kept to name the cause of a crash.
const STDERR_TAIL_CHARS = 16 * 1024;
let stderrTail = '';
child.stderr.on('data', chunk => {
	process.stderr.write(chunk);
	stderrTail = (stderrTail + chunk.toString('latin1')).slice(-STDERR_TAIL_CHARS);
});

let passed = 0;
let failed = 0;
let skipped = 0;
let lastPoint = 0;
let bailedOut = false;
let planSeen = false;

// A test point is `ok`/`not ok`, optionally numbered; AVA numbers them 1, 2, 3… (crashes, such
// as uncaught exceptions, unhandled rejections, worker exits and timeouts, included), so a
// numbered line out of sequence is not one (a multi-line test title, say) and is ignored.
const POINT = /^(not ok|ok)\b(?:\s+(\d+))?(.*)$/;
// `# SKIP` / `# TODO` directives (TAP 13): neither a pass nor a failure, whatever ok/not ok says.
const DIRECTIVE = /\s#\s*(SKIP|TODO)\b[^#]*$/i;
// AVA counts tests it never reached in a crashed or interrupted file as failed.
const REMAINING = /^# (\d+) tests? remaining in /;
// The plan, which AVA prints once, at the end of a run that did not crash.
const PLAN = /^1\.\.\d+$/;

function count(line) {
	const point = POINT.exec(line);
	if (point) {
		const number = point[2] === undefined ? lastPoint + 1 : Number(point[2]);
		if (number !== lastPoint + 1) return;
		lastPoint = number;
		if (DIRECTIVE.test(point[3] ?? '')) skipped++;
		else if (point[1] === 'ok') passed++;
		else failed++;
		return;
	}
	const remaining = REMAINING.exec(line);
	if (remaining) failed += Number(remaining[1]);
	else if (line.startsWith('Bail out!')) bailedOut = true;
	else if (PLAN.test(line)) planSeen = true;
}

function crashCause() {
	if (stderrTail.includes('writeTimeout')) return 'a test timed out';
	if (stderrTail.includes('writeProcessExit')) return 'a test called process.exit()';
	return 'see stderr';
}

createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on('line', line => {
	process.stdout.write(`${line}\n`);
	count(line);
});

child.on('error', error => {
	process.stderr.write(`run-tests: cannot run AVA (${avaCli}): ${error.message}\n`);
	process.exit(111);
});

child.on('close', (code, signal) => {
	signalGroup('SIGTERM');
	const notes = [];
	if (!planSeen) {
		failed++;
		notes.push(`AVA stopped before the end of the run (${crashCause()}); counted as one failure`);
	}
	if (signal) notes.push(`AVA was killed by ${signal}`);
	else if (code !== 0) notes.push(`AVA exited with status ${code}`);
	if (bailedOut) notes.push('AVA bailed out');
	if (passed + failed === 0) notes.push('no test ran');
	for (const note of notes) process.stdout.write(`# run-tests: ${note}\n`);
	process.stdout.write(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
	process.exitCode = notes.length > 0 || failed > 0 ? code || 1 : 0;
});
