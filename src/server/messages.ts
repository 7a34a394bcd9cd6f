// Error texts of this implementation that 1.1 did not have: for its extensions, and for the
// 1.1 accidents it fixes (daemonproxy(8), COMPATIBILITY), plus the reply lines of the extensions
// (design §2–§4). The 1.1 texts live in protocol/replies.ts. Messages start lower case and never
// change meaning once released; every line builder returns one TAB-separated line without LF.

import type { Peer, Role } from './auth-policy.js';

export const EXT_MSG = {
	negativeCount: 'invalid count (must be 0 or more)',
	sameNameTwice: 'read and write ends need different names',
	internalError: 'internal error (see the daemon log)',
	credentialsUnreadable: 'cannot read peer credentials',
	expectedPattern: 'expected pattern',
	expectedOnOff: 'expected on or off',
	invalidSequence: 'invalid sequence number',
	expectedRoleAndSelector: 'expected role and selector',
} as const;

export function cannotExecute(program: string, reason: string): string {
	return `cannot execute "${program}": ${reason}`;
}

/** A command the issuer's role may not run (design §2). */
export function permissionDenied(role: Role | null): string {
	return `permission denied (role ${role ?? 'none'})`;
}

/** The one line a refused connection receives before it is closed. */
export function connectionRefused(uid: number): string {
	return `error\tpermission denied for uid ${uid}`;
}

export function tooManyControllers(limit: number): string {
	return `error\ttoo many controllers connected (limit ${limit})`;
}

// ---- reply and event lines of the extensions -------------------------------------------------

/** `conn.whoami\tCONN\tPID\tUID\tGID\tROLE`. */
export function whoamiLine(conn: number, peer: Peer, role: Role): string {
	return `conn.whoami\t${conn}\t${peer.pid}\t${peer.uid}\t${peer.gid}\t${role}`;
}

export type AuditResult = 'ok' | 'error' | 'denied';

/** `audit\tCONN\tPID\tUID\tGID\tROLE\tRESULT\tCOMMAND…` (the command line verbatim, TABs included). */
export function auditLine(conn: number, peer: Peer, role: Role | '-', result: AuditResult, command: string): string {
	return `audit\t${conn}\t${peer.pid}\t${peer.uid}\t${peer.gid}\t${role}\t${result}\t${command}`;
}

/** The log's copy of an audit event, for people: `audit: conn 3 (pid 42, uid 0, gid 0, role admin) ok: service.start nginx`. */
export function auditLogText(conn: number, peer: Peer, role: Role | '-', result: AuditResult, command: string): string {
	return `audit: conn ${conn} (pid ${peer.pid}, uid ${peer.uid}, gid ${peer.gid}, role ${role}) ${result}: ${command.replaceAll('\t', ' ')}`;
}

/** Reply of `events.seq on`: the newest number so far (later events are greater) and the stream id. */
export function seqOnLine(newest: number, stream: string): string {
	return `events.seq\ton\t${newest}\t${stream}`;
}

export const SEQ_OFF_LINE = 'events.seq\toff';

/** End of a replay: live events continue after NEWEST. */
export function liveLine(newest: number): string {
	return `events.live\t${newest}`;
}

/** `events.resume` could not replay: events from OLDEST on are retained, NEWEST is the last one. */
export function gapLine(oldest: number, newest: number): string {
	return `events.gap\t${oldest}\t${newest}`;
}

/** In seq mode, the last line of a statedump: the dump reflects every event up to SEQ. */
export function statedumpEndLine(seq: number): string {
	return `statedump.end\t${seq}`;
}
