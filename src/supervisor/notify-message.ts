// One sd_notify datagram (sd_notify(3): newline-separated VAR=VALUE assignments) as a Notification.
// Pure; unknown assignments (MAINPID, ERRNO, RELOADING…) are ignored, never an error.
// The STATUS text becomes one wire field: control bytes are spaces, and it is cut to MAX_STATUS_BYTES.

import { MAX_STATUS_BYTES } from '../protocol/service-status.js';
import type { Notification } from './service-machine.js';

const CONTROL_BYTES_RE = /[\x00-\x1f\x7f]/g;

const oneField = (text: string): string => text.replace(CONTROL_BYTES_RE, ' ');

/** `text` is the datagram as latin1 (one char per byte). */
export function parseNotifyMessage(text: string): Notification {
	const note: { ready?: boolean; stopping?: boolean; watchdog?: boolean; status?: string } = {};
	for (const line of text.split('\n')) {
		if (line === 'READY=1') note.ready = true;
		else if (line === 'STOPPING=1') note.stopping = true;
		else if (line === 'WATCHDOG=1') note.watchdog = true;
		else if (line.startsWith('STATUS=')) note.status = oneField(line.slice(7, 7 + MAX_STATUS_BYTES));
	}
	return note;
}
