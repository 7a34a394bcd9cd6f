// Service arguments of dpctl's commands: a name, `all` (every service), or a shell-style glob
// (`*`, `?`, `[abc]`, `[!abc]`, `[a-z]`) matched against the daemon's services. Every argument is
// resolved before a command acts, so a bad one changes nothing. Pure; no I/O.
// Must never build a regular expression from user text (a glob is matched by hand).

import { CliError, EXIT } from './exit-codes.js';
import { displayWire } from './output.js';

export const ALL = 'all';

export function isGlob(word: string): boolean {
	return /[*?[]/.test(word);
}

/** `[…]` at `glob[i]`: whether it matches `ch`, and where the class ends (-1: not a class). */
function matchClass(glob: string, i: number, ch: string): { matched: boolean; end: number } {
	let j = i + 1;
	const negate = glob[j] === '!' || glob[j] === '^';
	if (negate) j++;
	let matched = false;
	let first = true;
	for (; j < glob.length && (first || glob[j] !== ']'); j++, first = false) {
		const low = glob[j] ?? '';
		if (glob[j + 1] === '-' && glob[j + 2] !== undefined && glob[j + 2] !== ']') {
			if (ch >= low && ch <= (glob[j + 2] ?? '')) matched = true;
			j += 2;
		} else if (ch === low) matched = true;
	}
	return j >= glob.length ? { matched: false, end: -1 } : { matched: matched !== negate, end: j };
}

/** Shell-style glob match over the whole name (names are short: plain backtracking is fine). */
export function globMatches(glob: string, name: string, gi = 0, ni = 0): boolean {
	while (gi < glob.length) {
		const g = glob[gi];
		if (g === '*') {
			for (let k = ni; k <= name.length; k++) if (globMatches(glob, name, gi + 1, k)) return true;
			return false;
		}
		if (ni >= name.length) return false;
		if (g === '?') {
			gi++;
			ni++;
			continue;
		}
		if (g === '[') {
			const cls = matchClass(glob, gi, name[ni] ?? '');
			if (cls.end >= 0) {
				if (!cls.matched) return false;
				gi = cls.end + 1;
				ni++;
				continue;
			}
		}
		if (g !== name[ni]) return false;
		gi++;
		ni++;
	}
	return ni === name.length;
}

/**
 * The services the arguments name, in the order given (each once), and the arguments that name
 * none: an unknown name, or a glob that matches nothing.
 */
export function resolveNames(
	known: readonly string[],
	args: readonly string[],
): { names: string[]; missing: string[] } {
	const names = new Set<string>();
	const missing: string[] = [];
	for (const arg of args) {
		const hits =
			arg === ALL
				? [...known]
				: isGlob(arg)
					? known.filter(n => globMatches(arg, n))
					: known.includes(arg)
						? [arg]
						: [];
		if (hits.length === 0 && arg !== ALL) missing.push(arg);
		for (const hit of hits) names.add(hit);
	}
	return { names: [...names], missing };
}

/** resolveNames, failing (exit 1, nothing done) when any argument names no service. */
export function requireNames(known: readonly string[], args: readonly string[]): string[] {
	const { names, missing } = resolveNames(known, args);
	if (missing.length > 0)
		throw new CliError(EXIT.daemon, `dpctl: error: no such service: ${missing.map(displayWire).join(', ')}`);
	return names;
}
