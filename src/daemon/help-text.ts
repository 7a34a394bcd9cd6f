// Owns the texts of `--help` and `--version`: the 1.1 column layout, built from the
// same option table the parser uses, so help and grammar cannot drift apart.
// Invariant: the first line is always `daemonproxy version <VERSION>` (the only stable line).
// Must never print or read anything: callers write the returned string to stdout.

import { BUILTIN_OPTIONS, type ExtensionOption } from './cli-option-table.js';

const LONG_COLUMNS = 12;
const VALUE_COLUMNS = 8;

function optionLine(short: string | null, long: string, valueName: string, description: string): string {
	const shortPart = short === null ? '  ' : `-${short}`;
	return `  ${shortPart} --${long.padEnd(LONG_COLUMNS)} ${valueName.padEnd(VALUE_COLUMNS)}  ${description}`;
}

/**
 * `daemonproxy version V`, `options:`, one line per option (1.1 options in table order, then
 * extensions in the order given), then an empty line. Names longer than their column push
 * the rest of the line right, as printf's `%-12s` does.
 */
export function helpText(version: string, extensions: readonly ExtensionOption[] = []): string {
	const lines = [`daemonproxy version ${version}`, 'options:'];
	for (const option of BUILTIN_OPTIONS) {
		lines.push(optionLine(option.short, option.long, option.valueName ?? '', option.description));
	}
	for (const option of extensions) {
		lines.push(optionLine(option.short ?? null, option.long, option.valueName, option.description));
	}
	return `${lines.join('\n')}\n\n`;
}

/** The version line, then build/about lines that no script should parse. */
export function versionText(version: string, gitHead?: string): string {
	const lines = [`daemonproxy version ${version}`];
	if (gitHead !== undefined && gitHead !== '') lines.push(` git HEAD: ${gitHead}`);
	lines.push(
		' TypeScript reimplementation, wire- and command-line-compatible with daemonproxy 1.1',
		' License GPL-2.0-or-later: this is free software, and there is NO WARRANTY,',
		' to the extent permitted by law.',
	);
	return `${lines.join('\n')}\n`;
}
