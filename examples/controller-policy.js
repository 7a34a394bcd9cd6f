#!/usr/bin/env node
// An example controller written with the client library (`daemonproxy/client`): the policy lives
// here, the daemon only runs what it is told. It
//   - starts services in dependency order: a service tagged `after=NAME` starts once NAME is up;
//   - restarts a service that goes down, with exponential backoff (1 s, 2 s, 4 s … 60 s; back to
//     1 s after a run of 30 s or more), scheduled in the daemon (`service.start NAME TS`), so a
//     restart still happens if this controller dies meanwhile;
//   - after lost events or a reconnect (a `resync` item), takes the fresh state and carries on.
// It manages the services tagged `managed`; turn their own auto_up off. Usage:
//   node examples/controller-policy.js [SOCKET]      (default: $DAEMONPROXY_SOCKET)

import { connect } from 'daemonproxy/client';

const MIN_DELAY_S = 1;
const MAX_DELAY_S = 60;
const STABLE_RUN_S = 30;

const client = await connect(process.argv[2]);
const log = text => process.stderr.write(`controller: ${text}\n`);

/** name → {after: [names], state, failures} for the managed services. */
const services = new Map();

function adopt(snapshot) {
	services.clear();
	for (const s of snapshot.services.values()) {
		if (!s.tags.includes('managed')) continue;
		const after = s.tags.filter(t => t.startsWith('after=')).map(t => t.slice('after='.length));
		services.set(s.name, { after, state: s.state, failures: 0 });
	}
}

/** Starts every managed service that is down and whose dependencies are all up. */
async function startReady() {
	for (const [name, s] of services) {
		if (s.state !== 'down' || s.scheduled) continue;
		if (!s.after.every(dep => services.get(dep)?.state === 'up')) continue;
		s.state = 'start';
		log(`starting ${name}${s.after.length > 0 ? ` (after ${s.after.join(', ')})` : ''}`);
		await client.serviceStart(name).catch(error => log(`${name}: ${error.message}`));
	}
}

/** A run ended: schedule the restart in the daemon, backing off while it keeps failing. */
async function restartLater(name, s, event) {
	s.failures = event.uptime !== null && event.uptime >= STABLE_RUN_S ? 0 : s.failures + 1;
	const delay = Math.min(MAX_DELAY_S, MIN_DELAY_S * 2 ** Math.max(0, s.failures - 1));
	log(`${name} ended (${event.reason} ${event.value}), restarting in ${delay} s`);
	s.scheduled = true;
	// A time already past (this event was read late) is refused: then start now.
	await client
		.serviceStart(name, { at: event.ts + delay })
		.catch(error => (error.message === 'invalid timestamp' ? client.serviceStart(name) : Promise.reject(error)))
		.catch(error => log(`${name}: ${error.message}`));
}

const events = client.events(['service.state']);
adopt((await client.statedump()).snapshot);
await startReady();
for await (const item of events) {
	if (item.kind === 'resync') {
		adopt(item.snapshot);
		await startReady();
		continue;
	}
	const e = item.event;
	const s = e && services.get(e.name);
	if (!s) continue;
	s.state = e.state;
	if (e.state === 'start') continue;
	s.scheduled = false;
	if (e.state === 'down' && e.reason !== null) await restartLater(e.name, s, e);
	else if (e.state === 'up') await startReady();
}
