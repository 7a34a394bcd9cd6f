// The protocol's verbs, written once: every command the daemon accepts, with what the daemon and
// dpctl need to know about it — its authorisation class, its fields and a one-line summary (the
// console's help), and what is special about sending it. In daemonproxy(8)'s COMMANDS order: the
// 25 verbs of 1.1, then the extensions. The auth policy, dpctl's verbs, completion and console help
// are derived from this table, and a unit test holds the daemon's handlers to it, so a new verb is
// one row here plus its handler and its daemonproxy(8) subsection.
// Data only. Not re-exported by index.ts: the `daemonproxy/protocol` export stays the codec.

/**
 * read: changes nothing, or only the issuing connection (`exit`, `conn.event_timeout`, the
 * subscriptions); control: starts and signals services; admin: everything else.
 */
export type CommandClass = 'read' | 'control' | 'admin';

/** What a field names, for completion: services, handles, signals, event topics, log.dest's destination types. */
export type FieldKind = 'service' | 'handle' | 'signal' | 'topic' | 'log-type';

export interface VerbSpec {
	readonly class: CommandClass;
	/** The fields after the verb, as help shows them; '' when there are none. */
	readonly usage: string;
	/** What the verb does, in a few words. */
	readonly summary: string;
	/** Success ends the connection (or the daemon), so EOF is the answer. */
	readonly closes?: true;
	/** Needs a descriptor passed with SCM_RIGHTS in the same sendmsg(2) as the line. */
	readonly passesFd?: true;
	/** What the fields name, in order (`at`), and what every later one names (`rest`). */
	readonly names?: { readonly at: readonly FieldKind[]; readonly rest?: FieldKind };
}

const ROWS = {
	echo: { class: 'read', usage: 'TEXT…', summary: 'the text comes back (a barrier)' },
	statedump: { class: 'read', usage: '', summary: 'every handle, service and pending signal' },
	'service.tags': { class: 'admin', usage: 'NAME [TAG…]', summary: 'free-form tags', names: { at: ['service'] } },
	'service.args': {
		class: 'admin',
		usage: 'NAME [PROGRAM ARG…]',
		summary: 'set the program and its arguments',
		names: { at: ['service'] },
	},
	'service.fds': {
		class: 'admin',
		usage: 'NAME [HANDLE…]',
		summary: 'the handles that become fds 0, 1, 2, …',
		names: { at: ['service'], rest: 'handle' },
	},
	'service.auto_up': {
		class: 'admin',
		usage: 'NAME INTERVAL|- [always|SIGNAL…]',
		summary: 'automatic starts',
		names: { at: ['service'] },
	},
	'service.start': {
		class: 'control',
		usage: 'NAME [TS|-]',
		summary: 'start now, at a monotonic time, or cancel',
		names: { at: ['service'] },
	},
	'service.signal': {
		class: 'control',
		usage: 'NAME SIGNAL [group]',
		summary: 'signal a running service',
		names: { at: ['service', 'signal'] },
	},
	'service.delete': {
		class: 'admin',
		usage: 'NAME',
		summary: 'forget a service that is not running',
		names: { at: ['service'] },
	},
	'socket.create': { class: 'admin', usage: '- PATH', summary: '(re)create the control socket' },
	'socket.delete': { class: 'admin', usage: '', summary: 'remove the control socket' },
	'fd.pipe': {
		class: 'admin',
		usage: 'READ WRITE [FLAGS]',
		summary: 'a pipe (or socketpair) as two handles',
		names: { at: ['handle', 'handle'] },
	},
	'fd.open': {
		class: 'admin',
		usage: 'NAME FLAGS PATH',
		summary: 'open a file as a handle',
		names: { at: ['handle'] },
	},
	'fd.socket': {
		class: 'admin',
		usage: 'NAME FLAGS [ADDRESS]',
		summary: 'a socket as a handle',
		names: { at: ['handle'] },
	},
	'fd.delete': { class: 'admin', usage: 'NAME', summary: 'close a handle', names: { at: ['handle'] } },
	'fd.take': {
		class: 'admin',
		usage: 'NAME',
		summary: 'the descriptor sent with the line as a handle',
		passesFd: true,
	},
	chdir: { class: 'admin', usage: 'PATH', summary: "the daemon's working directory" },
	exit: { class: 'read', usage: '', summary: 'end this connection', closes: true },
	'log.filter': { class: 'admin', usage: '[LEVEL|+|-]', summary: 'the log level' },
	'log.dest': {
		class: 'admin',
		usage: 'fd HANDLE',
		summary: 'where the log goes',
		names: { at: ['log-type', 'handle'] },
	},
	'conn.event_timeout': { class: 'read', usage: 'RESET CLOSE', summary: 'blocked-reader timeouts of this connection' },
	'signal.clear': {
		class: 'admin',
		usage: 'SIGNAL COUNT',
		summary: 'lower a pending signal count',
		names: { at: ['signal'] },
	},
	'terminate.exec_args': { class: 'admin', usage: '[PROGRAM ARG…]', summary: 'exec this instead of exiting' },
	'terminate.guard': { class: 'admin', usage: '+|- CODE', summary: 'require CODE to terminate' },
	terminate: { class: 'admin', usage: 'EXITCODE [GUARDCODE]', summary: 'end the daemon', closes: true },
	'conn.whoami': { class: 'read', usage: '', summary: "this connection's pid, uid, gid and role" },
	'conn.allow': { class: 'admin', usage: 'ROLE SELECTOR', summary: 'grant ROLE to the peers SELECTOR matches' },
	'events.subscribe': {
		class: 'read',
		usage: 'PATTERN…',
		summary: 'receive these events',
		names: { at: [], rest: 'topic' },
	},
	'events.unsubscribe': {
		class: 'read',
		usage: 'PATTERN…',
		summary: 'stop receiving them',
		names: { at: [], rest: 'topic' },
	},
	'events.seq': { class: 'read', usage: 'on|off', summary: 'sequence numbers on events' },
	'events.resume': { class: 'read', usage: 'SEQ', summary: 'replay events after SEQ' },
	'service.env': {
		class: 'admin',
		usage: 'NAME [KEY=VALUE…]',
		summary: "variables added to the daemon's environment",
		names: { at: ['service'] },
	},
	'service.notify': {
		class: 'admin',
		usage: 'NAME on|off [WATCHDOG_SECONDS]',
		summary: 'sd_notify readiness (NOTIFY_SOCKET) and watchdog',
		names: { at: ['service'] },
	},
	'service.ready_timeout': {
		class: 'admin',
		usage: 'NAME SECONDS|-',
		summary: 'stop a start that is not ready in time',
		names: { at: ['service'] },
	},
	'service.backoff': {
		class: 'admin',
		usage: 'NAME MAX [RESET]|-',
		summary: 'restart delay doubling up to MAX seconds',
		names: { at: ['service'] },
	},
	'service.restart_limit': {
		class: 'admin',
		usage: 'NAME COUNT WINDOW|-',
		summary: 'more restarts within WINDOW seconds: failed',
		names: { at: ['service'] },
	},
	'service.essential': {
		class: 'admin',
		usage: 'NAME on|off',
		summary: 'its end for good stops everything and ends the daemon',
		names: { at: ['service'] },
	},
	'log.reopen': { class: 'admin', usage: '', summary: 'open the --log-file again (after a rotation)' },
	'service.output_ring': {
		class: 'admin',
		usage: 'NAME LINES|-',
		summary: "size of the service's output ring",
		names: { at: ['service'] },
	},
	'service.output_forward': {
		class: 'admin',
		usage: 'NAME [HANDLE[:prefix]…]',
		summary: 'also write captured output to handles',
		names: { at: ['service'], rest: 'handle' },
	},
	'output.tail': {
		class: 'read',
		usage: 'NAME [COUNT|-] [exit]',
		summary: "a service's last output lines",
		names: { at: ['service'] },
	},
	'output.follow': {
		class: 'read',
		usage: 'NAME [AFTER [STREAM]]',
		summary: "receive a service's new output lines",
		names: { at: ['service'] },
	},
	'output.unfollow': {
		class: 'read',
		usage: '[NAME…]',
		summary: 'stop receiving output lines',
		names: { at: [], rest: 'service' },
	},
	'service.user': {
		class: 'admin',
		usage: 'NAME [USER[:GROUP]]',
		summary: 'run the service as this user (daemon as root)',
		names: { at: ['service'] },
	},
	'service.leftovers': {
		class: 'admin',
		usage: 'NAME leave|stop [GRACE_SECONDS]',
		summary: 'what happens to processes a run leaves behind',
		names: { at: ['service'] },
	},
	'service.tree': {
		class: 'read',
		usage: '[NAME…]',
		summary: "each service's processes, cgroup, CPU and memory",
		names: { at: [], rest: 'service' },
	},
	'service.stop': {
		class: 'control',
		usage: 'NAME… [GRACE_SECONDS|-] [signal=SIGNAL]',
		summary: 'hold down: TERM now, KILL after the grace',
		names: { at: [], rest: 'service' },
	},
	'service.enable': {
		class: 'control',
		usage: 'NAME…',
		summary: 'automatic starts as configured',
		names: { at: [], rest: 'service' },
	},
	'service.disable': {
		class: 'control',
		usage: 'NAME…',
		summary: 'no automatic starts',
		names: { at: [], rest: 'service' },
	},
} as const satisfies Readonly<Record<string, VerbSpec>>;

export type Verb = keyof typeof ROWS;

/** Every verb and its row, in the table's order. A Map, so `__proto__` is just not a verb. */
export const VERBS: ReadonlyMap<Verb, VerbSpec> = new Map(Object.entries(ROWS) as [Verb, VerbSpec][]);

export const VERB_NAMES: readonly Verb[] = [...VERBS.keys()];

export function isVerb(word: string): word is Verb {
	return VERBS.has(word as Verb);
}

/** The row of `word`; undefined when it is not a verb. */
export function verbSpec(word: string): VerbSpec | undefined {
	return isVerb(word) ? VERBS.get(word) : undefined;
}
