// Keeps dpctl(1) in step with the code: every command and option of the yargs definitions (read
// from the yargs parser itself), every protocol verb, exit status, environment variable and
// status column. Reads man/dpctl.1 as text; never runs mandoc or dpctl.

import { readFileSync } from 'node:fs';
import test from 'ava';
import { DEFAULT_SOCKET_PATH, SOCKET_ENV } from '../../../src/client/address.js';
import { EXIT } from '../../../src/dpctl/exit-codes.js';
import { PROTOCOL_ENV } from '../../../src/dpctl/session.js';
import { PROTOCOL_VERBS } from '../../../src/dpctl/verbs.js';
import { buildParser } from '../../../src/dpctl/yargs-app.js';
import { TSV_COLUMNS } from '../../../src/dpctl/commands/status.js';
import type { OptionSpec } from '../../../src/dpctl/options.js';

const roff = readFileSync(new URL('../../../../man/dpctl.1', import.meta.url), 'utf8');

/** Roff to the words a reader sees: comments dropped, fonts and escapes resolved. */
function plain(text: string): string {
	return text
		.split('\n')
		.filter(l => !l.startsWith('.\\"'))
		.map(l => l.replace(/^\.[A-Za-z]+\s?/, ''))
		.join(' ')
		.replace(/\\f[BIRP]/g, '')
		.replace(/\\-/g, '-')
		.replace(/\\e/g, '\\')
		.replace(/\\\(aq/g, "'")
		.replace(/\\&/g, '')
		.replace(/\s+/g, ' ');
}

function section(name: string): string {
	const parts = roff.split(/^\.SH /m);
	const found = parts.find(p => p.startsWith(`${name}\n`));
	if (!found) throw new Error(`dpctl.1 has no section ${name}`);
	return found;
}

const subsections = new Set([...section('COMMANDS').matchAll(/^\.SS (.+)$/gm)].map(m => m[1]));
const page = plain(roff);

interface Handler {
	original: string;
	builder: Record<string, OptionSpec>;
}

/** The parts of yargs' parser that describe what it was given (public API, missing from @types/yargs 17). */
interface Introspectable {
	getInternalMethods(): { getCommandInstance(): { getCommandHandlers(): Record<string, Handler> } };
	getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
}

async function yargsDefinitions() {
	const parser = (await buildParser([], () => {})) as unknown as Introspectable;
	const handlers = parser.getInternalMethods().getCommandInstance().getCommandHandlers();
	return { handlers: Object.values(handlers), options: parser.getOptions() };
}

test('the page has the sections of a command manual, and lints clean by construction', t => {
	for (const name of [
		'NAME',
		'SYNOPSIS',
		'DESCRIPTION',
		'OPTIONS',
		'COMMANDS',
		'STATUS OUTPUT',
		'EXIT STATUS',
		'ENVIRONMENT',
		'FILES',
		'EXAMPLES',
		'SEE ALSO',
	]) {
		t.notThrows(() => section(name), name);
	}
});

test('every yargs command has a subsection under COMMANDS, and every option is described', async t => {
	const { handlers } = await yargsDefinitions();
	t.true(handlers.length >= 9);
	for (const h of handlers) {
		const name = h.original.split(' ')[0] === '$0' ? 'verb' : (h.original.split(' ')[0] ?? '');
		t.true(subsections.has(name), `command ${name}`);
		for (const [key, spec] of Object.entries(h.builder)) {
			t.true(page.includes(`--${key}`), `option --${key} of ${name}`);
			if (spec.alias) t.true(page.includes(`-${spec.alias}, --${key}`), `alias -${spec.alias} of ${name}`);
		}
	}
	t.true(subsections.has('console'), 'the console');
});

test('every global option is described under OPTIONS', async t => {
	const { options } = await yargsDefinitions();
	const text = plain(section('OPTIONS'));
	const aliases = new Set(Object.values(options.alias).flat());
	for (const key of Object.keys(options.key)) {
		if (aliases.has(key)) continue;
		t.true(text.includes(`--${key}`), `--${key}`);
		for (const alias of options.alias[key] ?? [])
			if (alias.length === 1) t.true(text.includes(`-${alias}, --${key}`), `-${alias}`);
	}
});

test('every protocol verb is named', t => {
	for (const verb of PROTOCOL_VERBS) t.true(page.includes(verb), verb);
});

test('every exit status, environment variable, status column and the default socket', t => {
	const exits = section('EXIT STATUS');
	for (const code of Object.values(EXIT)) t.true(exits.includes(`.B ${code}\n`), `exit ${code}`);
	const env = section('ENVIRONMENT');
	for (const name of [SOCKET_ENV, PROTOCOL_ENV, 'DPCTL_HISTORY', 'XDG_STATE_HOME', 'NO_COLOR'])
		t.true(env.includes(`.B ${name}\n`), name);
	const status = section('STATUS OUTPUT');
	for (const column of TSV_COLUMNS) t.true(status.includes(`.B ${column}\n`), `column ${column}`);
	t.true(page.includes(DEFAULT_SOCKET_PATH));
});
