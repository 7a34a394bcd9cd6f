// Which peers this run measures: those asked for (--peers / --no-peers), each installed on
// demand. A peer that cannot be installed is skipped with the reason, never fatal.

import { ensurePm2, pm2Version } from './pm2.js';
import { ensureSupervisord, supervisordVersion } from './supervisord.js';

/**
 * @param {import('./cli.js').Options} options
 * @returns {Promise<Map<string, {ok: true, version: string} | {ok: false, why: string}>>}
 */
export async function preparePeers(options) {
	const peers = new Map();
	if (options.peers.has('pm2')) {
		const why = await ensurePm2();
		peers.set('pm2', why === null ? { ok: true, version: `pm2 ${pm2Version()}` } : { ok: false, why });
	}
	if (options.peers.has('supervisord')) {
		const why = await ensureSupervisord();
		peers.set(
			'supervisord',
			why === null ? { ok: true, version: `supervisord ${await supervisordVersion()}` } : { ok: false, why },
		);
	}
	return peers;
}

/**
 * Runs `measure` for a peer if it is available; otherwise records it as skipped in the report.
 * A peer that fails while measuring is skipped with the error (the other subjects still count).
 */
export async function withPeer(peers, name, report, measures, measure) {
	const peer = peers.get(name);
	if (!peer) return;
	if (!peer.ok) {
		for (const [m, unit] of measures) report.skip(m, name, unit, peer.why);
		return;
	}
	try {
		await measure();
	} catch (error) {
		const why = `failed: ${String(/** @type {Error} */ (error).message).split('\n')[0]}`;
		for (const [m, unit] of measures)
			if (!report.rows.some(r => r.measure === m && r.subject === name)) report.skip(m, name, unit, why);
	}
}

export function describePeers(peers) {
	return [...peers].map(([name, p]) => (p.ok ? p.version : `${name}: ${p.why}`)).join('; ');
}
