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

/** What `npm run build` recorded (scripts/build-info.js); null fields are not known. */
export interface BuildInfo {
	/** Unix time of the build. */
	readonly timestamp: number;
	/** The same as `YYYY-MM-DD HH:MM:SS` in the builder's local time, as 1.1 records it. */
	readonly localTime: string;
	/** The git revision built, or null (no git, no .git: a tarball). */
	readonly revision: string | null;
	/** Whether tracked files differed from the revision. */
	readonly dirty: boolean;
	readonly firstYear: number;
	readonly lastYear: number;
}

/**
 * The version line, then, as 1.1 shows them, the build timestamp, the git revision, the copyright
 * with its years and where the licence is: lines no script should parse. `build` null: the build
 * recorded nothing (a tree compiled without `npm run build`), said so rather than guessed.
 */
export function versionText(version: string, build: BuildInfo | null): string {
	const lines = [`daemonproxy version ${version}`];
	if (build === null) {
		lines.push(' build timestamp: unknown', ' git HEAD: revision unknown');
	} else {
		lines.push(` build timestamp: ${build.timestamp} (${build.localTime})`);
		lines.push(
			` git HEAD: ${build.revision === null ? 'revision unknown' : build.revision}${build.dirty ? ' (dirty)' : ''}`,
		);
	}
	const years = build === null || build.firstYear === build.lastYear ? '' : `${build.firstYear}-`;
	lines.push(
		' TypeScript reimplementation, wire- and command-line-compatible with daemonproxy 1.1',
		` Copyright (C) ${years}${build === null ? '' : `${build.lastYear} `}the daemonproxy authors`,
		' License GPL-2.0-or-later <https://www.gnu.org/licenses/old-licenses/gpl-2.0.html>:',
		' this is free software, and there is NO WARRANTY, to the extent permitted by law.',
	);
	return `${lines.join('\n')}\n`;
}
