// The topics of the event stream (daemonproxy(8), EVENTS): the first field of every event line,
// and what subscription patterns name. A module of its own so that dpctl's startup path knows
// them without loading the event codec.

export const EVENT_TOPICS = [
	'service.state',
	'service.args',
	'service.fds',
	'service.tags',
	'service.auto_up',
	'service.status',
	'fd.state',
	'signal',
	'audit',
	'service.leftover',
	'service.mode',
	'service.killed',
	'overflow',
] as const;

export type StreamTopic = (typeof EVENT_TOPICS)[number];
