// Tab completion for the console: the first word from the verbs and commands, later words from
// what the argument position holds (the verb table's `names` for protocol verbs) — service names, handle names, signal names, event topics —
// taken from the console's live snapshot. Pure; the snapshot is read, never changed.

import { COUNTED_SIGNALS } from '../protocol/signals.js';
import type { Snapshot } from '../client/snapshot.js';
import { sortedNames } from '../client/snapshot.js';
import { EVENT_TOPICS } from '../protocol/topics.js';
import { verbSpec, type FieldKind } from '../protocol/verbs.js';
import { PROTOCOL_VERBS } from './verbs.js';

export const CONSOLE_BUILTINS = ['help', 'quit', 'filter'] as const;
const FRIENDLY = [
	'status',
	'start',
	'stop',
	'restart',
	'signal',
	'enable',
	'disable',
	'is-active',
	'logs',
	'whoami',
] as const;

export type Kind = FieldKind | 'verb';

export const SIGNALS = ['TERM', 'KILL', 'HUP', 'INT', 'QUIT', 'USR1', 'USR2', 'CONT', 'STOP', ...COUNTED_SIGNALS];
const TOPICS = [...EVENT_TOPICS, '*'];

export type Fields = { readonly at: readonly Kind[]; readonly rest?: Kind };

/** What argument N (1-based) of dpctl's own commands names; `rest` applies to every later one. */
const COMMAND_FIELDS: Readonly<Record<string, Fields>> = {
	status: { at: [], rest: 'service' },
	start: { at: [], rest: 'service' },
	stop: { at: [], rest: 'service' },
	restart: { at: [], rest: 'service' },
	signal: { at: ['signal'], rest: 'service' },
	enable: { at: [], rest: 'service' },
	disable: { at: [], rest: 'service' },
	'is-active': { at: [], rest: 'service' },
	watch: { at: [], rest: 'topic' },
	wait: { at: ['topic'] },
	logs: { at: [], rest: 'service' },
	filter: { at: [], rest: 'topic' },
	help: { at: ['verb'] },
};

/** A protocol verb's fields from the verb table, else a dpctl command's. */
export function fieldsOf(word: string): Fields | undefined {
	return verbSpec(word)?.names ?? (Object.hasOwn(COMMAND_FIELDS, word) ? COMMAND_FIELDS[word] : undefined);
}

function candidates(kind: Kind, snap: Snapshot): string[] {
	switch (kind) {
		case 'service':
			return sortedNames(snap.services.keys());
		case 'handle':
			return sortedNames(snap.handles.keys());
		case 'signal':
			return SIGNALS;
		case 'log-type':
			return ['fd'];
		case 'topic':
			return [...TOPICS, ...sortedNames(snap.services.keys()).map(n => `service.state:${n}`)];
		case 'verb':
			return [...CONSOLE_BUILTINS, ...FRIENDLY, ...PROTOCOL_VERBS];
	}
}

/** readline's completer: [matches, the word being completed]. */
export function complete(line: string, snap: Snapshot): [string[], string] {
	const words = line.split(/ +/);
	const current = words.pop() ?? '';
	let kind: Kind | undefined;
	if (words.length === 0) kind = 'verb';
	else {
		const spec = fieldsOf(words[0] ?? '');
		kind = spec ? (spec.at[words.length - 1] ?? spec.rest) : undefined;
	}
	if (kind === undefined) return [[], current];
	const hits = [...new Set(candidates(kind, snap))].filter(c => c.startsWith(current));
	return [hits, current];
}
