// Events as people read them (dpctl watch on a terminal, the console): one short line per event,
// its wire text made safe with displayWire and the state coloured. The raw lines stay the
// interface for scripts; this wording may change.
// Must never print a wire byte raw: every piece from the wire goes through displayWire.

import { readStatusFields } from '../protocol/service-status.js';
import type { DaemonEvent } from '../protocol/events.js';
import type { EventItem } from '../client/event-stream.js';
import { displayWire, formatDuration, type Colour, type Output } from './output.js';

/** An argument list as a shell user would type it back. */
export function quoteWords(words: readonly string[]): string {
	return words
		.map(w => (w === '' ? "''" : /^[A-Za-z0-9_./:=@%+,-]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`))
		.join(' ');
}

export function stateColour(state: string, exitValue: string | null): Colour {
	if (state === 'up') return 'green';
	if (state === 'start') return 'yellow';
	if (state === 'down') return exitValue === null || exitValue === '0' ? 'dim' : 'red';
	return 'dim';
}

/** `exit 1`, `signal SIGKILL`, or null. */
export function exitText(reason: string | null, value: string | null): string | null {
	return reason === null ? null : `${reason} ${value ?? '?'}`;
}

function describeTyped(e: DaemonEvent, out: Output): string {
	const w = displayWire;
	switch (e.type) {
		case 'service.state': {
			const state = out.paint(stateColour(e.state, e.value), e.state);
			if (e.state === 'up') return `${w(e.name)} ${state} pid ${e.pid ?? '?'}`;
			if (e.state === 'down' && e.reason !== null) {
				const ran = e.uptime === null ? '' : ` after ${formatDuration(e.uptime)}`;
				return `${w(e.name)} ${state} ${w(exitText(e.reason, e.value) ?? '')}${ran} (pid ${e.pid ?? '?'})`;
			}
			return `${w(e.name)} ${state}`;
		}
		case 'service.args':
			return `${w(e.name)} args ${w(quoteWords(e.args))}`;
		case 'service.fds':
			return `${w(e.name)} fds ${w(e.fds.join(' '))}`;
		case 'service.tags':
			return `${w(e.name)} tags ${w(e.tags.join(' '))}`;
		case 'service.auto_up':
			return e.triggers.length === 0
				? `${w(e.name)} auto_up off`
				: `${w(e.name)} auto_up ${w(e.triggers.join(','))} every ${e.interval}s`;
		case 'service.status': {
			const s = readStatusFields(e.fields);
			const ready = s.ready === null ? '' : s.ready ? ' ready' : ' not ready';
			const extra = [
				s.failed ? ' FAILED' : '',
				s.killed === null ? '' : ` (killed: ${s.killed})`,
				s.status === null ? '' : ` "${w(s.status)}"`,
			].join('');
			return `${w(e.name)} status${ready}, ${s.restarts} restarts${extra}`;
		}
		case 'fd.state':
			return `handle ${w(e.name)} ${e.fdType} ${w(e.flags)} ${w(e.description)}`;
		case 'fd.deleted':
			return `handle ${w(e.name)} ${out.paint('dim', 'deleted')}`;
		case 'signal':
			return `signal ${w(e.signal)} pending ${e.count}`;
		case 'service.leftover': {
			const what = { leave: 'left behind', stop: 'left behind, stopping', kill: 'killed' }[e.action];
			return `${w(e.name)} ${out.paint('yellow', what)} pid ${e.pids.join(' ')}`;
		}
		case 'service.mode':
			return `${w(e.name)} ${e.held ? 'held down' : 'released'}, automatic starts ${e.enabled ? 'enabled' : 'disabled'}`;
		case 'service.killed':
			return `${w(e.name)} ${out.paint('red', 'killed')}: pid ${e.pid} still ran ${e.grace}s after the stop signal`;
		case 'overflow':
			return out.paint('yellow', 'overflow: events were lost');
	}
}

/** `HH:MM:SS  web up pid 4711`. */
export function describeEvent(item: EventItem, out: Output, now = new Date()): string {
	const clock = out.paint('dim', now.toTimeString().slice(0, 8));
	const text = item.event ? describeTyped(item.event, out) : displayWire(item.line.split('\t').join('  '));
	return `${clock}  ${text}`;
}
