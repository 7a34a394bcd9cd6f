// A service record as its service.status event (protocol/service-status.ts): readiness, restart
// counters, the failed mark, the last exit and the sd_notify STATUS text. Pure.

import type { ServiceStatusEvent } from '../protocol/events.js';
import { statusFields } from '../protocol/service-status.js';
import { readyState, type ServiceRecord } from './service-machine.js';

export function serviceStatusEvent(record: ServiceRecord): ServiceStatusEvent {
	const last = record.lastExit;
	return {
		type: 'service.status',
		name: record.name,
		fields: statusFields({
			ready: readyState(record),
			restarts: record.restarts,
			failed: record.failed,
			lastExit: last === null ? null : { reason: last.reason, value: last.value },
			killed: record.killed,
			status: record.phase === 'up' ? record.statusText : null,
		}),
	};
}
