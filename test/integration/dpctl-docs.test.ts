// dpctl's own documentation: dpctl(1) lints clean with mandoc (the CI installs it), and --help
// and --version answer without a daemon. The page's content is checked in
// test/unit/client/man-page.test.ts.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { repoRoot } from './helpers/daemon.js';
import { dpctl } from './dpctl-helpers.js';

test('man/dpctl.1 is clean under mandoc -Tlint -Wwarning', async t => {
	const result = await execa('mandoc', ['-Tlint', '-Wwarning', join(repoRoot, 'man', 'dpctl.1')], { reject: false });
	t.is(result.exitCode, 0, `${String(result.stdout)}${String(result.stderr)}`);
	t.is(String(result.stdout), '');
});

test('--help lists every command; --version prints the package version', async t => {
	const help = await dpctl('/nonexistent', ['--help']);
	t.is(help.exitCode, 0);
	for (const command of [
		'status',
		'start',
		'stop',
		'restart',
		'signal',
		'watch',
		'wait',
		'whoami',
		'is-active',
		'enable',
		'disable',
		'console',
		'completion',
		'--socket',
		'--timeout',
		'--json',
	]) {
		t.true(help.stdout.includes(command), command);
	}
	const version = await dpctl('/nonexistent', ['--version']);
	const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
	t.is(version.stdout, pkg.version);
});

test('--help: the usage is one line, so nothing below it is out of its column; package.json names the man pages', async t => {
	const help = await dpctl('/nonexistent', ['--help']);
	const [usage, blank] = help.lines;
	t.regex(usage ?? '', /^Usage: dpctl /);
	t.is(blank, '');
	const commands = help.lines.slice(help.lines.indexOf('Commands:') + 1, help.lines.indexOf('Options:') - 1);
	t.true(commands.length > 10);
	t.true(
		commands.every(line => line.startsWith('  ')),
		'every command line indented',
	);
	const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { man?: string[] };
	t.deepEqual(pkg.man, ['./man/daemonproxy.8', './man/dpctl.1']);
});
