// Tab completion for the console: the first word from the verbs and commands, later words from
// what the argument position holds — service names, handle names, signal names, event topics —
// taken from the console's live snapshot. Pure; the snapshot is read, never changed.

import { COUNTED_SIGNALS } from '../protocol/signals.js';
import type { Snapshot } from '../client/snapshot.js';
import { sortedNames } from '../client/snapshot.js';
import { PROTOCOL_VERBS } from './verbs.js';

export const CONSOLE_BUILTINS = ['help', 'quit', 'filter'] as const;
const FRIENDLY = ['status', 'start', 'stop', 'restart', 'signal', 'whoami'] as const;

type Kind = 'service' | 'handle' | 'signal' | 'topic' | 'verb';

const SIGNALS = ['TERM', 'KILL', 'HUP', 'INT', 'QUIT', 'USR1', 'USR2', 'CONT', 'STOP', ...COUNTED_SIGNALS];
const TOPICS = ['service.state', 'service.args', 'service.fds', 'service.tags', 'service.auto_up', 'fd.state', 'signal', 'audit', 'overflow', '*'];

/** What argument N (1-based) of a verb names; `rest` applies to every later one. */
const ARGUMENTS: Readonly<Record<string, { at: readonly Kind[]; rest?: Kind }>> = {
	'service.args': { at: ['service'] },
	'service.tags': { at: ['service'] },
	'service.fds': { at: ['service'], rest: 'handle' },
	'service.auto_up': { at: ['service'] },
	'service.start': { at: ['service'] },
	'service.signal': { at: ['service', 'signal'] },
	'service.delete': { at: ['service'] },
	'fd.pipe': { at: ['handle', 'handle'] },
	'fd.open': { at: ['handle'] },
	'fd.socket': { at: ['handle'] },
	'fd.delete': { at: ['handle'] },
	'log.dest': { at: ['verb', 'handle'] },
	'signal.clear': { at: ['signal'] },
	'events.subscribe': { at: [], rest: 'topic' },
	'events.unsubscribe': { at: [], rest: 'topic' },
	status: { at: [], rest: 'service' },
	start: { at: [], rest: 'service' },
	stop: { at: [], rest: 'service' },
	restart: { at: [], rest: 'service' },
	signal: { at: ['signal'], rest: 'service' },
	filter: { at: [], rest: 'topic' },
	help: { at: ['verb'] },
};

function candidates(kind: Kind, snap: Snapshot): string[] {
	switch (kind) {
		case 'service': return sortedNames(snap.services.keys());
		case 'handle': return sortedNames(snap.handles.keys());
		case 'signal': return SIGNALS;
		case 'topic': return [...TOPICS, ...sortedNames(snap.services.keys()).map((n) => `service.state:${n}`)];
		case 'verb': return [...CONSOLE_BUILTINS, ...FRIENDLY, ...PROTOCOL_VERBS];
	}
}

/** readline's completer: [matches, the word being completed]. */
export function complete(line: string, snap: Snapshot): [string[], string] {
	const words = line.split(/ +/);
	const current = words.pop() ?? '';
	let kind: Kind | undefined;
	if (words.length === 0) kind = 'verb';
	else {
		const spec = Object.hasOwn(ARGUMENTS, words[0] ?? '') ? ARGUMENTS[words[0] ?? ''] : undefined;
		kind = spec ? spec.at[words.length - 1] ?? spec.rest : undefined;
		if (words[0] === 'log.dest' && words.length === 1) return [['fd'].filter((w) => w.startsWith(current)), current];
	}
	if (kind === undefined) return [[], current];
	const hits = [...new Set(candidates(kind, snap))].filter((c) => c.startsWith(current));
	return [hits, current];
}
