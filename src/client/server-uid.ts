// Whom a client may talk to: the uid that owns the control socket's far end must be root, the
// caller's own, or the one uid the caller accepts explicitly (the serverUid option, dpctl's
// --server-uid or $DAEMONPROXY_SERVER_UID). Anyone can bind an abstract name, and anyone who can
// write to a socket's directory can put a socket there first: without this check a command (and
// the secrets in its arguments) goes to whoever got there first (dpctl(1), SECURITY).
// Pure: computes and judges uids; dial.ts reads them from the kernel or the filesystem.

import { ArgumentError, ConnectionError } from './errors.js';

export const SERVER_UID_ENV = 'DAEMONPROXY_SERVER_UID';

/** A uid as written by a user: decimal digits, at most 2^32-2 (2^32-1 is "no uid"). */
export function parseServerUid(text: string, what: string): number {
	const uid = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
	if (!(uid >= 0 && uid <= 0xfffffffe)) {
		throw new ArgumentError(`${what} must be a numeric uid (0 to 4294967294), not ${JSON.stringify(text)}`);
	}
	return uid;
}

/** The explicit value, else the environment's; undefined when neither is set. */
export function resolveServerUid(
	explicit: string | undefined,
	env: NodeJS.ProcessEnv = process.env,
): number | undefined {
	if (explicit !== undefined) return parseServerUid(explicit, '--server-uid');
	const fromEnv = env[SERVER_UID_ENV];
	return fromEnv === undefined || fromEnv === '' ? undefined : parseServerUid(fromEnv, SERVER_UID_ENV);
}

/** The connected server's uid is not one the caller trusts. */
export class UntrustedServerError extends ConnectionError {
	/** The uid found at the far end. */
	readonly serverUid: number;

	constructor(address: string, serverUid: number, message: string) {
		super('EPEERUID', address, message);
		this.serverUid = serverUid;
	}
}

/** Throws UntrustedServerError unless `found` is root, `self`, or `accepted`. */
export function checkServerUid(address: string, found: number, self: number, accepted: number | undefined): void {
	if (found === 0 || found === self || found === accepted) return;
	const trusted = [...new Set([0, self, ...(accepted === undefined ? [] : [accepted])])].join(', ');
	throw new UntrustedServerError(
		address,
		found,
		`refusing to talk to ${address}: it is served by uid ${found}, not by a uid this client trusts (${trusted}); ` +
			`another user may have bound the name first. If uid ${found} runs your daemon, accept it explicitly`,
	);
}
