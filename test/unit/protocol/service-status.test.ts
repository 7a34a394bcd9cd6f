// Unit tests of the service.status line (an extension): the fields round-trip through the event
// codec, and a reader tolerates keys it does not know and values it cannot read.

import test from 'ava';
import { formatEvent, parseEvent } from '../../../src/protocol/events.js';
import { readStatusFields, statusFields } from '../../../src/protocol/service-status.js';
import { parseNotifyMessage } from '../../../src/supervisor/notify-message.js';

test('status fields round-trip through the line', t => {
	const fields = {
		ready: true,
		restarts: 4,
		failed: false,
		lastExit: { reason: 'signal', value: 'SIGKILL' },
		killed: 'watchdog',
		status: 'serving 3 clients',
	} as const;
	const line = formatEvent({ type: 'service.status', name: 'web', fields: statusFields(fields) });
	t.is(
		line,
		'service.status\tweb\tready=yes\trestarts=4\tfailed=no\tlastExit=signal:SIGKILL\tkilled=watchdog\tstatus=serving 3 clients',
	);
	const parsed = parseEvent(line);
	t.is(parsed?.type, 'service.status');
	if (parsed?.type === 'service.status') t.deepEqual(readStatusFields(parsed.fields), fields);
	t.is(parsed && formatEvent(parsed), line);
});

test('no readiness method, no exit, no text: null', t => {
	const s = readStatusFields(
		statusFields({ ready: null, restarts: 0, failed: false, lastExit: null, killed: null, status: null }),
	);
	t.deepEqual(s, { ready: null, restarts: 0, failed: false, lastExit: null, killed: null, status: null });
});

test('unknown keys are ignored and bad values read as defaults', t => {
	const s = readStatusFields(['cpu=12', 'restarts=lots', 'ready=maybe', 'failed=yes', 'lastExit=exit:1']);
	t.deepEqual(s, {
		ready: null,
		restarts: 0,
		failed: true,
		lastExit: { reason: 'exit', value: '1' },
		killed: null,
		status: null,
	});
});

test('a service.status line without KEY=VALUE fields is not an event', t => {
	t.is(parseEvent('service.status\tweb\tready'), null);
	t.is(parseEvent('service.status\tweb'), null);
});

test('sd_notify messages: known assignments, STATUS made one safe field, others ignored', t => {
	t.deepEqual(parseNotifyMessage('READY=1\nSTATUS=up\tand\x01running\nMAINPID=4'), {
		ready: true,
		status: 'up and running',
	});
	t.deepEqual(parseNotifyMessage('WATCHDOG=1'), { watchdog: true });
	t.deepEqual(parseNotifyMessage('STOPPING=1\n'), { stopping: true });
	t.deepEqual(parseNotifyMessage('READY=0\nready=1'), {});
	t.is(parseNotifyMessage(`STATUS=${'x'.repeat(1000)}`).status?.length, 200);
});
