// The protocol verbs dpctl sends as they are (`dpctl VERB ARGS…`), taken from the protocol's verb
// table, and how they are sent and awaited. A dotted lower-case word that is not in the table is
// sent as well, so a newer daemon's verbs work with an older dpctl. Data only.

import { VERB_NAMES, verbSpec } from '../protocol/verbs.js';

/**
 * The verbs dpctl(1), completion and the console's help name: all of the table but `conn.allow`,
 * which dpctl has never listed (it is still sent, being dotted); listing it would change dpctl's
 * completion and help, so that is left to a change of the CLI.
 */
export const PROTOCOL_VERBS: readonly string[] = VERB_NAMES.filter(verb => verb !== 'conn.allow');

const KNOWN: ReadonlySet<string> = new Set(PROTOCOL_VERBS);
const DOTTED_RE = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$/;

/** Whether `word` is sent to the daemon as a command rather than read as a dpctl subcommand. */
export function isProtocolVerb(word: string): boolean {
	return KNOWN.has(word) || DOTTED_RE.test(word);
}

/** Verbs that end the connection when they succeed, so EOF is their answer. */
export const CLOSING_VERBS: ReadonlySet<string> = new Set(VERB_NAMES.filter(verb => verbSpec(verb)?.closes));

/** Verbs that need a descriptor passed with SCM_RIGHTS, which dpctl has no way to send. */
export const UNSENDABLE_VERBS: ReadonlySet<string> = new Set(VERB_NAMES.filter(verb => verbSpec(verb)?.passesFd));
