// How dpctl shows a captured output line (dpctl(1), LOGS): local time to the millisecond, the
// service's name when several are shown, the stream, the text; escaped on a terminal, the wire's
// bytes when piped, or a JSON object. Shared by `dpctl logs` and `dpctl status NAME`.

import type { OutputLine } from '../protocol/output-lines.js';
import { displayWire, jsonWire, type Output } from './output.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Local time, to the millisecond: `2026-12-03 19:40:01.123`. */
export function localTime(ms: number): string {
	const d = new Date(ms);
	return (
		`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
		`${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
	);
}

export function jsonOutputLine(line: OutputLine) {
	return {
		service: jsonWire(line.service),
		seq: line.seq,
		time: new Date(line.timeMs).toISOString(),
		stream: line.stream,
		text: jsonWire(line.text),
	};
}

export function printLine(out: Output, line: OutputLine, json: boolean, withName: boolean): void {
	if (json) {
		out.json(jsonOutputLine(line));
		return;
	}
	const name = withName ? `${line.service} ` : '';
	if (!out.isTTY) {
		out.wire(`${localTime(line.timeMs)} ${name}${line.stream} ${line.text}`);
		return;
	}
	const stream = line.stream === 'stderr' ? out.paint('red', 'stderr') : out.paint('dim', 'stdout');
	out.text(
		`${out.paint('dim', localTime(line.timeMs))} ${withName ? out.paint('cyan', displayWire(name)) : ''}${stream} ${displayWire(line.text)}`,
	);
}
