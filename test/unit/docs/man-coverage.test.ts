// Keeps daemonproxy(8) in step with the code: every verb of the command table and of 1.1 (spec
// §7), every 1.1 option (§13.3), every event (§6), every error text and the documented limits.
// Reads man/daemonproxy.8 as text (roff comments do not count, and no TODO placeholder may remain);
// never runs mandoc or any other process, never opens a socket.

import { readFileSync } from 'node:fs';
import test from 'ava';
import { formatEvent, type DaemonEvent } from '../../../src/protocol/events.js';
import { MAX_LINE_BYTES } from '../../../src/protocol/line-splitter.js';
import {
	LINE_TOO_LONG,
	MSG,
	callFailed,
	cantKill,
	fdDoesNotExistWarning,
	fdNotYetDefinedWarning,
	unknownFlag,
	unknownOption,
	type FailedCall,
} from '../../../src/protocol/replies.js';
import { CLI_MESSAGES } from '../../../src/daemon/cli-messages.js';
import { BUILTIN_OPTIONS } from '../../../src/daemon/cli-option-table.js';
import {
	COMMAND_HIGH_WATER_BYTES,
	DEFAULT_ADMIN_CONTROLLERS,
	DEFAULT_MAX_CONTROLLERS,
	DEFAULT_MAX_CONTROLLERS_PER_UID,
	PEER_LOG_INTERVAL_MS,
	PEER_LOG_MAX_UIDS,
	EVENT_LIMIT_BYTES,
	MAX_QUEUED_FDS,
	STREAM_LINES_PER_TURN,
} from '../../../src/server/limits.js';
import { VERB_NAMES } from '../../../src/protocol/verbs.js';
import { EXT_MSG, cannotExecute } from '../../../src/server/messages.js';
import { DEFAULT_LOG_BUFFER_BYTES } from '../../../src/supervisor/logger.js';

// The compiled test lives in build/test/unit/docs/: the repository root is four levels up.
const MAN_PAGE = new URL('../../../../man/daemonproxy.8', import.meta.url);

/** The 25 commands of daemonproxy 1.1 (spec §7), whether or not this version has built them yet. */
const VERBS_1_1 = [
	'echo',
	'statedump',
	'service.tags',
	'service.args',
	'service.fds',
	'service.auto_up',
	'service.start',
	'service.signal',
	'service.delete',
	'socket.create',
	'socket.delete',
	'fd.pipe',
	'fd.open',
	'fd.socket',
	'fd.delete',
	'fd.take',
	'chdir',
	'exit',
	'log.filter',
	'log.dest',
	'conn.event_timeout',
	'signal.clear',
	'terminate.exec_args',
	'terminate.guard',
	'terminate',
] as const;

const REQUIRED_SECTIONS = [
	'NAME',
	'SYNOPSIS',
	'DESCRIPTION',
	'OPTIONS',
	'THE PROTOCOL',
	'COMMANDS',
	'EVENTS',
	'SERVICES',
	'HANDLES',
	'SIGNALS',
	'CONTROLLERS',
	'LOGGING',
	'EXIT STATUS',
	'ENVIRONMENT',
	'FILES',
	'EXAMPLES',
	'COMPATIBILITY',
	'SEE ALSO',
] as const;

/** One sample per event type; the mapped type makes a new DaemonEvent type a compile error here. */
const SAMPLE_EVENTS: { readonly [K in DaemonEvent['type']]: Extract<DaemonEvent, { type: K }> } = {
	'service.state': {
		type: 'service.state',
		name: 's',
		state: 'up',
		ts: 1,
		pid: 2,
		reason: null,
		value: null,
		uptime: 0,
		downtime: null,
	},
	'service.args': { type: 'service.args', name: 's', args: ['/bin/true'] },
	'service.fds': { type: 'service.fds', name: 's', fds: ['null'] },
	'service.tags': { type: 'service.tags', name: 's', tags: [] },
	'service.auto_up': { type: 'service.auto_up', name: 's', interval: 1, triggers: ['always'] },
	'service.status': {
		type: 'service.status',
		name: 's',
		fields: ['ready=yes', 'restarts=0', 'failed=no', 'lastExit=-', 'killed=-', 'status='],
	},
	'fd.state': { type: 'fd.state', name: 'h', fdType: 'pipe', flags: 'from', description: 'w' },
	'fd.deleted': { type: 'fd.deleted', name: 'h' },
	signal: { type: 'signal', signal: 'SIGHUP', ts: 1, count: 1 },
	'service.leftover': { type: 'service.leftover', name: 's', action: 'stop', pids: [3] },
	'service.mode': { type: 'service.mode', name: 's', held: true, enabled: true },
	'service.killed': { type: 'service.killed', name: 's', pid: 2, grace: 10 },
	overflow: { type: 'overflow' },
};

const ROFF_ESCAPES: ReadonlyArray<readonly [RegExp, string]> = [
	[/\\f(?:\[[A-Z]*\]|[BIRP])/g, ''],
	[/\\&/g, ''],
	[/\\-/g, '-'],
	[/\\\(em/g, '\u2014'],
	[/\\\((?:lq|rq|dq)/g, '"'],
	[/\\\(aq/g, "'"],
	[/\\ /g, ' '],
	[/\\e/g, '\\'],
];

/** Roff source to the words a reader sees: comments dropped, fonts and escapes resolved, spaces collapsed. */
function plain(roff: string): string {
	const lines = roff
		.split('\n')
		.filter(line => !line.startsWith('.\\"'))
		.map(line => line.replace(/^\.[A-Za-z]+\s?/, ''));
	let text = lines.join(' ');
	for (const [pattern, replacement] of ROFF_ESCAPES) text = text.replace(pattern, replacement);
	return collapse(text);
}

function collapse(text: string): string {
	return text.replace(/\s+/g, ' ');
}

/** How a wire text is written in the page: a TAB as `\t`, runs of white space as one space. */
function asDocumented(wire: string): string {
	return collapse(wire.replaceAll('\t', '\\t'));
}

interface Section {
	readonly name: string;
	readonly roff: string;
}

function macroArgument(line: string): string {
	return line
		.replace(/^\.[A-Z]+\s+/, '')
		.replace(/^"(.*)"$/, '$1')
		.trim();
}

/** Splits the page at one heading macro (`.SH` or `.SS`). */
function split(roff: string, macro: '.SH' | '.SS'): Section[] {
	const sections: Array<{ name: string; lines: string[] }> = [];
	for (const line of roff.split('\n')) {
		if (line.startsWith(`${macro} `)) sections.push({ name: macroArgument(line), lines: [] });
		else sections.at(-1)?.lines.push(line);
	}
	return sections.map(({ name, lines }) => ({ name, roff: lines.join('\n') }));
}

const roff = readFileSync(MAN_PAGE, 'latin1');
const page = plain(roff);
const sections = split(roff, '.SH');

function section(name: string): string {
	const found = sections.find(s => s.name === name);
	if (!found) throw new Error(`daemonproxy.8 has no section ${name}`);
	return found.roff;
}

/** The fixed parts of a message template, found by filling every placeholder with a marker. */
function fixedParts(message: string): string[] {
	return message
		.split('\u0001')
		.map(part => part.trim())
		.filter(part => part.length >= 2);
}

const MARK = '\u0001';

test('the page has the sections of a daemon manual, in order', t => {
	const names = sections.map(s => s.name);
	const positions = REQUIRED_SECTIONS.map(name => names.indexOf(name));
	t.deepEqual(
		REQUIRED_SECTIONS.filter((_, i) => positions[i] === -1),
		[],
		'missing sections',
	);
	t.deepEqual(
		positions,
		[...positions].sort((a, b) => a - b),
		'sections out of order',
	);
});

test('every command verb has its own subsection under COMMANDS', t => {
	const documented = new Set(split(section('COMMANDS'), '.SS').map(s => s.name));
	const wanted = new Set<string>([...VERB_NAMES, ...VERBS_1_1]);
	t.deepEqual(
		[...wanted].filter(verb => !documented.has(verb)),
		[],
		'verbs without a subsection',
	);
	t.deepEqual(
		[...documented].filter(verb => !wanted.has(verb)),
		[],
		'subsections that are not verbs',
	);
});

test('every 1.1 option is described under OPTIONS', t => {
	const options = plain(section('OPTIONS'));
	for (const option of BUILTIN_OPTIONS) {
		const tag = option.short === null ? `--${option.long}` : `-${option.short}, --${option.long}`;
		t.true(options.includes(tag), `option ${tag}`);
		if (option.valueName !== null)
			t.true(options.includes(`--${option.long} ${option.valueName}`), `value of --${option.long}`);
	}
});

test('every event type and service state is described under EVENTS', t => {
	const events = plain(section('EVENTS'));
	for (const event of Object.values(SAMPLE_EVENTS)) {
		const fields = formatEvent(event).split('\t');
		// fd.deleted is `fd.state\tNAME\tdeleted`: its third field is what tells it apart.
		const shown = event.type === 'fd.deleted' ? `${fields[0]}\\tNAME\\t${fields[2]}` : (fields[0] ?? '');
		t.true(events.includes(shown), `event ${event.type}`);
	}
	for (const state of ['start', 'up', 'down', 'deleted']) t.true(events.includes(`${state}\\t`), `state ${state}`);
});

test('every fixed 1.1 error text appears', t => {
	for (const [key, text] of Object.entries(MSG)) t.true(page.includes(asDocumented(text)), `MSG.${key}: ${text}`);
	t.true(page.includes(asDocumented(LINE_TOO_LONG)), LINE_TOO_LONG);
});

test('every error text of this implementation appears', t => {
	for (const [key, text] of Object.entries(EXT_MSG))
		t.true(page.includes(asDocumented(text)), `EXT_MSG.${key}: ${text}`);
	const templates = [
		unknownFlag(MARK),
		unknownOption(MARK),
		cantKill(MARK, 1, false, MARK).replace('(pid 1)', `(pid ${MARK})`),
		cantKill(MARK, 1, true, MARK).replace('(pgid 1)', `(pgid ${MARK})`),
		fdNotYetDefinedWarning(MARK),
		fdDoesNotExistWarning(MARK),
		cannotExecute(MARK, 'No such file or directory'),
		cannotExecute(MARK, 'Permission denied'),
		...(['socketpair()', 'pipe()', 'fcntl(O_NONBLOCK)', 'open', 'chdir'] satisfies FailedCall[]).map(call =>
			callFailed(call, MARK),
		),
	];
	for (const template of templates) {
		for (const part of fixedParts(template)) t.true(page.includes(asDocumented(part)), `template part: ${part}`);
	}
});

test('every command-line message appears', t => {
	for (const [key, message] of Object.entries(CLI_MESSAGES)) {
		const text = typeof message === 'string' ? message : message(MARK);
		for (const part of fixedParts(text)) t.true(page.includes(asDocumented(part)), `CLI_MESSAGES.${key}: ${part}`);
	}
});

test('the documented limits are those of the code', t => {
	const kib = (bytes: number): string => `${bytes / 1024} KiB`;
	t.true(page.includes(`at most ${MAX_LINE_BYTES} bytes`), `line limit ${MAX_LINE_BYTES}`);
	t.true(page.includes(`Up to ${DEFAULT_MAX_CONTROLLERS} controllers`), `controller limit ${DEFAULT_MAX_CONTROLLERS}`);
	t.true(page.includes(`the last ${DEFAULT_ADMIN_CONTROLLERS} are kept for admins`), 'admin slots');
	t.true(page.includes(`may hold at most ${DEFAULT_MAX_CONTROLLERS_PER_UID}`), 'connections per uid');
	t.true(page.includes(`at most once per uid in ${PEER_LOG_INTERVAL_MS / 1000} seconds`), 'refusal log interval');
	t.true(page.includes(`Past ${PEER_LOG_MAX_UIDS} uids in one such interval`), 'refusal log uids');
	t.true(
		page.includes(`more than ${kib(COMMAND_HIGH_WATER_BYTES)}`),
		`command high-water mark ${COMMAND_HIGH_WATER_BYTES}`,
	);
	t.true(page.includes(`more than ${EVENT_LIMIT_BYTES / 1024 / 1024} MiB`), `event limit ${EVENT_LIMIT_BYTES}`);
	t.true(page.includes(`up to ${MAX_QUEUED_FDS} per connection`), `received fds ${MAX_QUEUED_FDS}`);
	t.true(page.includes(`at most ${STREAM_LINES_PER_TURN} lines per turn`), `stream budget ${STREAM_LINES_PER_TURN}`);
	t.true(page.includes(`a ${kib(DEFAULT_LOG_BUFFER_BYTES)} buffer`), `log buffer ${DEFAULT_LOG_BUFFER_BYTES}`);
});

test('no placeholder for unbuilt work is left in the page', t => {
	t.deepEqual(
		roff.split('\n').filter(line => /\bTODO\b/.test(line)),
		[],
	);
});
