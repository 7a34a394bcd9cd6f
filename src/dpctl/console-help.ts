// The console's `help` text: every verb with its arguments (spec §7, design §2–§3), the dpctl
// commands and the console's own words. Data and formatting only.

export const VERB_SYNOPSES: Readonly<Record<string, string>> = {
	'echo': 'echo TEXT… — the text comes back (a barrier)',
	'statedump': 'statedump — every handle, service and pending signal',
	'service.args': 'service.args NAME [PROGRAM ARG…] — set the program and its arguments',
	'service.fds': 'service.fds NAME [HANDLE…] — the handles that become fds 0, 1, 2, …',
	'service.tags': 'service.tags NAME [TAG…] — free-form tags',
	'service.auto_up': 'service.auto_up NAME INTERVAL|- [always|SIGNAL…] — automatic starts',
	'service.start': 'service.start NAME [TS|-] — start now, at a monotonic time, or cancel',
	'service.signal': 'service.signal NAME SIGNAL [group] — signal a running service',
	'service.delete': 'service.delete NAME — forget a service that is not running',
	'fd.pipe': 'fd.pipe READ WRITE [FLAGS] — a pipe (or socketpair) as two handles',
	'fd.open': 'fd.open NAME FLAGS PATH — open a file as a handle',
	'fd.socket': 'fd.socket NAME FLAGS [ADDRESS] — a socket as a handle',
	'fd.delete': 'fd.delete NAME — close a handle',
	'fd.take': 'fd.take NAME — (needs a descriptor sent with SCM_RIGHTS; not from dpctl)',
	'socket.create': 'socket.create - PATH — (re)create the control socket',
	'socket.delete': 'socket.delete — remove the control socket',
	'chdir': "chdir PATH — the daemon's working directory",
	'exit': 'exit — (in the console: leave, like quit)',
	'log.filter': 'log.filter [LEVEL|+|-] — the log level',
	'log.dest': 'log.dest fd HANDLE — where the log goes',
	'conn.event_timeout': 'conn.event_timeout RESET CLOSE — blocked-reader timeouts of this connection',
	'conn.whoami': "conn.whoami — this connection's pid, uid, gid and role",
	'signal.clear': 'signal.clear SIGNAL COUNT — lower a pending signal count',
	'events.subscribe': 'events.subscribe PATTERN… — receive these events',
	'events.unsubscribe': 'events.unsubscribe PATTERN… — stop receiving them',
	'events.seq': 'events.seq on|off — sequence numbers on events',
	'events.resume': 'events.resume SEQ — replay events after SEQ',
	'terminate.exec_args': 'terminate.exec_args [PROGRAM ARG…] — exec this instead of exiting',
	'terminate.guard': 'terminate.guard +|- CODE — require CODE to terminate',
	'terminate': 'terminate EXITCODE [GUARDCODE] — end the daemon',
	'status': 'status [NAME…] — a table of services',
	'start': 'start NAME… — start and wait until up',
	'stop': 'stop NAME… [--signal SIG] [--kill] [--keep-auto-up] — stop and wait until down',
	'restart': 'restart NAME… [--signal SIG] [--kill] — stop, start, wait until up',
	'signal': 'signal SIGNAL NAME… [--group] — signal running services',
	'whoami': 'whoami — who the daemon thinks you are',
	'filter': 'filter [PATTERN…] — which live events the console shows (none: all)',
	'help': 'help [VERB] — this text, or one verb',
	'quit': 'quit — leave the console (also exit, Ctrl-D)',
};

export function consoleHelp(verb?: string): string {
	if (verb !== undefined) {
		const synopsis = Object.hasOwn(VERB_SYNOPSES, verb) ? VERB_SYNOPSES[verb] : undefined;
		return synopsis ?? `no such verb: ${verb}`;
	}
	return [
		'Type a verb and its arguments separated by spaces; quote an argument with spaces in it',
		"('…' or \"…\"), '' is an empty field. Tab completes verbs, services and handles.",
		...Object.values(VERB_SYNOPSES).map((s) => `  ${s}`),
	].join('\n');
}
