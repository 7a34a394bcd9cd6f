// The protocol verbs dpctl sends as they are (`dpctl VERB ARGS…`): the 25 of 1.1 (spec §7) and
// the extensions of design §2–§3. A dotted lower-case word not listed here is sent as well, so a
// newer daemon's verbs work with an older dpctl. Data only.

export const PROTOCOL_VERBS = [
	'echo', 'statedump', 'service.tags', 'service.args', 'service.fds', 'service.auto_up',
	'service.start', 'service.signal', 'service.delete', 'socket.create', 'socket.delete',
	'fd.pipe', 'fd.open', 'fd.socket', 'fd.delete', 'fd.take', 'chdir', 'exit', 'log.filter',
	'log.dest', 'conn.event_timeout', 'signal.clear', 'terminate.exec_args', 'terminate.guard',
	'terminate',
	'conn.whoami', 'events.subscribe', 'events.unsubscribe', 'events.seq', 'events.resume',
] as const;

const KNOWN: ReadonlySet<string> = new Set(PROTOCOL_VERBS);
const DOTTED_RE = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$/;

/** Whether `word` is sent to the daemon as a command rather than read as a dpctl subcommand. */
export function isProtocolVerb(word: string): boolean {
	return KNOWN.has(word) || DOTTED_RE.test(word);
}

/** Verbs that end the connection when they succeed, so EOF is their answer. */
export const CLOSING_VERBS: ReadonlySet<string> = new Set(['exit', 'terminate']);

/** `fd.take` needs a descriptor passed with SCM_RIGHTS, which dpctl has no way to send. */
export const UNSENDABLE_VERBS: ReadonlySet<string> = new Set(['fd.take']);
