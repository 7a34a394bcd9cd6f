// The life of one controller connection as data: its phase, the state of its output, and every
// transition between them (two tables: phase × input, output mode × input). Pure: the controller
// (controller.ts) feeds it what happened and performs the I/O that the change calls for.
//
// Phases. `open`: lines are read and run in order. `input-ended`: EOF, a read error or `exit`;
// nothing more is read, the lines already received still run (`exit` drops them). `flushing`:
// every command has run and reading stopped; the unsent output drains, then the connection is
// released. `closed`: released (streams stopped, fds closed, the host told); final. `destroy`
// (a blocked-reader timeout, a failed service start) releases at once from any phase but the last.
//
// Output modes. `flowing`: replies and events are written. `overflowed`: events past the limit
// were dropped; replies still go out, and one `overflow` line follows when the queue drains.
// `broken`: a write failed (EPIPE…); nothing more is written, but commands still run to EOF.

export type Phase = 'open' | 'input-ended' | 'flushing' | 'closed';
export type OutputMode = 'flowing' | 'overflowed' | 'broken';

export interface ControllerState {
	readonly phase: Phase;
	readonly output: OutputMode;
}

export type ControllerInput =
	/** EOF, or `exit`: no more lines will be taken. */
	| 'input-end'
	/** A read error (or any error of a write-only stream): the peer is gone. */
	| 'read-failed'
	/** A write failed while reading goes on (a socket's peer stopped reading for good). */
	| 'write-failed'
	/** An event would take the unsent output past the event limit. */
	| 'event-over-limit'
	/** The write queue became empty. */
	| 'drained'
	/** Input ended and every received command has run; nothing is left to send. */
	| 'commands-done'
	/** Input ended and every received command has run; output is still queued. */
	| 'commands-done-output-queued'
	| 'destroy';

export const INITIAL_STATE: ControllerState = { phase: 'open', output: 'flowing' };

type Table<S extends string> = { readonly [From in S]: { readonly [I in ControllerInput]?: S } };

/** Phase × input; a missing entry means the input changes nothing in that phase. */
const PHASES: Table<Phase> = {
	open: { 'input-end': 'input-ended', 'read-failed': 'input-ended', destroy: 'closed' },
	'input-ended': { 'commands-done': 'closed', 'commands-done-output-queued': 'flushing', destroy: 'closed' },
	// The peer went away: what is queued can never drain (no close timeout would fire either).
	flushing: { drained: 'closed', 'read-failed': 'closed', 'write-failed': 'closed', destroy: 'closed' },
	closed: {},
};

/**
 * Output mode × input, applied only while the connection still runs commands (open,
 * input-ended): once flushing, what is queued is all that will be sent.
 */
const OUTPUTS: Table<OutputMode> = {
	flowing: { 'event-over-limit': 'overflowed', 'read-failed': 'broken', 'write-failed': 'broken' },
	overflowed: { drained: 'flowing', 'read-failed': 'broken', 'write-failed': 'broken' },
	broken: {},
};

/** Whether the connection is still running commands (and so may still write and receive). */
export function isRunning(phase: Phase): boolean {
	return phase === 'open' || phase === 'input-ended';
}

/** The state after `input`; the same object when the input changes nothing. */
export function step(state: ControllerState, input: ControllerInput): ControllerState {
	const phase = PHASES[state.phase][input] ?? state.phase;
	const output = isRunning(state.phase) ? (OUTPUTS[state.output][input] ?? state.output) : state.output;
	return phase === state.phase && output === state.output ? state : { phase, output };
}
