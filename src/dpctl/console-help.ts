// The console's `help` text: every verb with its fields and what it does (from the protocol's verb
// table, in its order), then the dpctl commands and the console's own words. Data and formatting
// only.

import { verbSpec, type VerbSpec } from '../protocol/verbs.js';
import { PROTOCOL_VERBS } from './verbs.js';

/** The table's summary, except where the console does something else with the verb. */
function consoleSummary(verb: string, spec: VerbSpec): string {
	// The console reads `exit` as its own word and never sends it.
	if (verb === 'exit') return '(in the console: leave, like quit)';
	if (spec.passesFd) return '(needs a descriptor sent with SCM_RIGHTS; not from dpctl)';
	return spec.summary;
}

function verbSynopses(): [string, string][] {
	return PROTOCOL_VERBS.flatMap(verb => {
		const spec = verbSpec(verb);
		if (spec === undefined) return [];
		const usage = spec.usage === '' ? '' : ` ${spec.usage}`;
		return [[verb, `${verb}${usage} — ${consoleSummary(verb, spec)}`]];
	});
}

/** The dpctl commands and the console's own words. */
const COMMAND_SYNOPSES: Readonly<Record<string, string>> = {
	status: 'status [NAME…] — a table of services',
	start: 'start NAME… — start and wait until up',
	stop: 'stop NAME… [--signal SIG] [--kill] [--keep-auto-up] — stop and wait until down',
	restart: 'restart NAME… [--signal SIG] [--kill] — stop, start, wait until up',
	signal: 'signal SIGNAL NAME… [--group] — signal running services',
	logs: 'logs NAME… [-n N] [--since DURATION] — what services printed',
	whoami: 'whoami — who the daemon thinks you are',
	filter: 'filter [PATTERN…] — which live events the console shows (none: all)',
	help: 'help [VERB] — this text, or one verb',
	quit: 'quit — leave the console (also exit, Ctrl-D)',
};

export const VERB_SYNOPSES: Readonly<Record<string, string>> = {
	...Object.fromEntries(verbSynopses()),
	...COMMAND_SYNOPSES,
};

export function consoleHelp(verb?: string): string {
	if (verb !== undefined) {
		const synopsis = Object.hasOwn(VERB_SYNOPSES, verb) ? VERB_SYNOPSES[verb] : undefined;
		return synopsis ?? `no such verb: ${verb}`;
	}
	return [
		'Type a verb and its arguments separated by spaces; quote an argument with spaces in it',
		"('…' or \"…\"), '' is an empty field. Tab completes verbs, services and handles.",
		...Object.values(VERB_SYNOPSES).map(s => `  ${s}`),
	].join('\n');
}
