// The fast path of dpctl's command line: a small parser over the same option tables yargs gets
// (options.ts), so a plain call never loads yargs. It recognises `[GLOBAL…] VERB ARGS…` (ARGS
// verbatim, since fields like `-` and `-1` are protocol values), `[GLOBAL…] COMMAND …` with the
// command's own options anywhere, and the bare call (console). Anything else — --help,
// --version, an unknown option, a missing value — is answered `yargs`, which parses it fully.
// Invariant: whenever this returns something other than `yargs`, yargs would parse the same.

import { isCommandName, loadCommand } from './command-table.js';
import { GLOBAL_OPTIONS, positionals, type CliArgs, type DpctlCommand, type OptionSpec } from './options.js';
import { isProtocolVerb } from './verbs.js';

export type Parsed =
	| { readonly kind: 'raw'; readonly args: CliArgs; readonly verb: string; readonly fields: readonly string[] }
	| { readonly kind: 'command'; readonly command: DpctlCommand; readonly args: CliArgs }
	| { readonly kind: 'bare'; readonly args: CliArgs }
	| { readonly kind: 'yargs' };

const YARGS: Parsed = { kind: 'yargs' };

type Specs = Readonly<Record<string, OptionSpec>>;

/** Reads the option at argv[i] into `out`; returns the next index, or -1 if yargs must decide. */
function takeOption(argv: readonly string[], i: number, specs: Specs, out: Record<string, unknown>): number {
	const token = argv[i] ?? '';
	let name: string;
	let inline: string | undefined;
	if (token.startsWith('--')) {
		const eq = token.indexOf('=');
		name = eq < 0 ? token.slice(2) : token.slice(2, eq);
		inline = eq < 0 ? undefined : token.slice(eq + 1);
	} else {
		const alias = token.slice(1, 2);
		const found = Object.entries(specs).find(([, s]) => s.alias === alias);
		if (!found) return -1;
		name = found[0];
		inline = token.length > 2 ? token.slice(2) : undefined;
	}
	let spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
	if (!spec && name.startsWith('no-') && inline === undefined) {
		spec = Object.hasOwn(specs, name.slice(3)) ? specs[name.slice(3)] : undefined;
		if (spec?.type !== 'boolean') return -1;
		out[name.slice(3)] = false;
		return i + 1;
	}
	if (!spec) return -1;
	if (spec.type === 'boolean') {
		if (inline !== undefined) return -1;
		out[name] = true;
		return i + 1;
	}
	const value = inline ?? argv[i + 1];
	if (value === undefined || value === '') return -1;
	out[name] = spec.type === 'number' ? Number(value) : value;
	return inline === undefined ? i + 2 : i + 1;
}

const isOption = (token: string): boolean => token.length > 1 && token.startsWith('-');

export async function fastParse(argv: readonly string[]): Promise<Parsed> {
	const globals: Record<string, unknown> = {};
	let i = 0;
	while (i < argv.length && isOption(argv[i] ?? '')) {
		if (argv[i] === '--') {
			i++;
			break;
		}
		i = takeOption(argv, i, GLOBAL_OPTIONS, globals);
		if (i < 0) return YARGS;
	}
	const word = argv[i];
	if (word === undefined || (word === 'console' && i + 1 === argv.length)) return { kind: 'bare', args: globals };
	if (isProtocolVerb(word)) return { kind: 'raw', args: globals, verb: word, fields: argv.slice(i + 1) };
	if (!isCommandName(word)) return YARGS;
	const command = await loadCommand(word);
	const specs: Specs = { ...GLOBAL_OPTIONS, ...command.builder };
	const args: Record<string, unknown> = { ...globals };
	const words: string[] = [];
	for (let j = i + 1; j < argv.length;) {
		const token = argv[j] ?? '';
		if (token === '--') {
			words.push(...argv.slice(j + 1));
			break;
		}
		if (isOption(token)) {
			j = takeOption(argv, j, specs, args);
			if (j < 0) return YARGS;
		} else {
			words.push(token);
			j++;
		}
	}
	for (const p of positionals(command.command)) {
		if (p.variadic) args[p.name] = words.splice(0);
		else if (words.length > 0) args[p.name] = words.shift();
		if (
			p.required &&
			(args[p.name] === undefined || (p.variadic && words.length === 0 && (args[p.name] as string[]).length === 0))
		) {
			return YARGS;
		}
	}
	return words.length > 0 ? YARGS : { kind: 'command', command, args };
}

/** Whether --json was asked for as a dpctl option (after a protocol verb, words are fields). */
export function wantsJson(argv: readonly string[]): boolean {
	for (const word of argv) {
		if (word === '--json') return true;
		if (word === '--' || isProtocolVerb(word)) return false;
	}
	return false;
}
