// The console's history file: $DPCTL_HISTORY, else $XDG_STATE_HOME/dpctl/history, else
// ~/.local/state/dpctl/history. Read once at start (newest last in the file), appended to as
// lines are entered, trimmed to HISTORY_LINES when it grows past twice that.
// Must never fail the console: an unreadable or unwritable file only means no history.

import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const HISTORY_LINES = 1000;

export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
	if (env['DPCTL_HISTORY']) return env['DPCTL_HISTORY'];
	const state = env['XDG_STATE_HOME'] || join(env['HOME'] || homedir(), '.local', 'state');
	return join(state, 'dpctl', 'history');
}

/** Entries newest first, as readline wants them. */
export function loadHistory(path: string): string[] {
	try {
		const lines = readFileSync(path, 'utf8')
			.split('\n')
			.filter(l => l.length > 0);
		if (lines.length > 2 * HISTORY_LINES)
			writeFileSync(path, `${lines.slice(-HISTORY_LINES).join('\n')}\n`, { mode: 0o600 });
		return lines.slice(-HISTORY_LINES).reverse();
	} catch {
		return [];
	}
}

export function appendHistory(path: string, line: string): void {
	try {
		mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
		appendFileSync(path, `${line}\n`, { mode: 0o600 });
	} catch {
		// No history is better than no console.
	}
}
