// Arguments several dpctl commands share, checked before connecting (exit 100 when bad): the
// service arguments (names, `all`, globs) and a signal. Must never connect.

import { parseSignalArgument } from '../protocol/signals.js';
import { usageError } from './exit-codes.js';
import type { CliArgs } from './options.js';
import { wireFromArg } from './output.js';

/** The `names` positional as wire strings. */
export function nameArgs(args: CliArgs, key = 'names'): string[] {
	const value = args[key];
	return (Array.isArray(value) ? value : []).map(n => wireFromArg(String(n)));
}

/** A signal name (TERM, SIGTERM) or number, as the daemon will read it; else a usage error. */
export function checkSignal(signal: string): string {
	const parsed = parseSignalArgument(signal);
	if (!parsed.ok) throw usageError(`invalid signal ${JSON.stringify(signal)}: ${parsed.message.toLowerCase()}`);
	return signal;
}
