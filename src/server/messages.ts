// Error texts of this implementation that 1.1 did not have: for its extensions, and for the
// 1.1 accidents it fixes (daemonproxy(8), COMPATIBILITY), plus the log's text of an audit event.
// The 1.1 texts live in protocol/replies.ts, the lines of the extensions in protocol/*-lines.ts
// and protocol/request-tag.ts. Messages start lower case and never change meaning once released.

import type { AuditResult } from '../protocol/access-lines.js';
import type { Peer, Role } from './auth-policy.js';

/** The longest grace service.stop and service.leftovers take (a day). */
export const MAX_GRACE_SECONDS = 86400;

export const EXT_MSG = {
	negativeCount: 'invalid count (must be 0 or more)',
	sameNameTwice: 'read and write ends need different names',
	internalError: 'internal error (see the daemon log)',
	credentialsUnreadable: 'cannot read peer credentials',
	expectedPattern: 'expected pattern',
	expectedOnOff: 'expected on or off',
	invalidSequence: 'invalid sequence number',
	expectedRoleAndSelector: 'expected role and selector',
	nulInArgument: 'argument contains a NUL byte',
	expectedServiceName: 'expected service name',
	invalidGrace: `invalid grace (expected 0 to ${MAX_GRACE_SECONDS} seconds, or -)`,
	invalidRingLines: 'invalid ring size (1 to 1000000 lines, or - for the default)',
	expectedExit: 'expected exit or nothing',
	unexpectedArguments: 'unexpected arguments',
	expectedPolicy: 'expected leave or stop',
	invalidLeftoverGrace: `invalid grace (expected 0 to ${MAX_GRACE_SECONDS} seconds)`,
} as const;

export function userNeedsRoot(euid: number): string {
	return `service.user needs a daemon running as root (this one runs as uid ${euid})`;
}

/** service.stop, enable, disable: the name that failed is named (they take many). */
export function noSuchServiceNamed(name: string): string {
	return `no such service "${name}"`;
}

export function invalidServiceName(name: string): string {
	return `invalid service name "${name}"`;
}

export function unknownStopOption(field: string): string {
	return `unknown option "${field}" (expected signal=SIGNAL)`;
}

export function cannotExecute(program: string, reason: string): string {
	return `cannot execute "${program}": ${reason}`;
}

/** A service.output_forward target that is neither HANDLE nor HANDLE:prefix. */
export function invalidForwardTarget(field: string): string {
	return `invalid forward target "${field}" (HANDLE or HANDLE:prefix)`;
}

/** log.reopen without --log-file. */
export function noLogFile(): string {
	return 'no log file to reopen (the daemon was not started with --log-file PATH)';
}

export function cannotOpenLogFile(path: string, reason: string): string {
	return `cannot open log file "${path}": ${reason}`;
}

/** A command the issuer's role may not run. */
export function permissionDenied(role: Role | null): string {
	return `permission denied (role ${role ?? 'none'})`;
}

/** The log's copy of an audit event, for people: `audit: conn 3 (pid 42, uid 0, gid 0, role admin) ok: service.start nginx`. */
export function auditLogText(conn: number, peer: Peer, role: Role | '-', result: AuditResult, command: string): string {
	return `audit: conn ${conn} (pid ${peer.pid}, uid ${peer.uid}, gid ${peer.gid}, role ${role}) ${result}: ${command.replaceAll('\t', ' ')}`;
}
