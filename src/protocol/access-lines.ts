// Owns the lines that say who is at the other end (daemonproxy(8), conn.whoami, EVENTS,
// CONTROLLERS): the `conn.whoami` reply, the `audit` event, and the one line a refused connection
// receives before it is closed. One formatter (for the daemon) and one parser (for clients) per
// line. Invariants: a formatter returns one line without LF; a parser never throws and answers
// null for anything that is not its line. Must never import anything outside src/protocol.

/** The peer credentials a line reports (SO_PEERCRED). */
export interface Credentials {
	readonly pid: number;
	readonly uid: number;
	readonly gid: number;
}

/** Decimal field of a connection number, pid, uid or gid. */
const ID_FIELD_RE = /^[0-9]{1,10}$/;

function idField(field: string | undefined): number | null {
	return field !== undefined && ID_FIELD_RE.test(field) ? Number(field) : null;
}

// ---- `conn.whoami` -------------------------------------------------------------------------

/** `conn.whoami\tCONN\tPID\tUID\tGID\tROLE`. */
export function whoamiLine(conn: number, who: Credentials, role: string): string {
	return `conn.whoami\t${conn}\t${who.pid}\t${who.uid}\t${who.gid}\t${role}`;
}

/** The reply of `conn.whoami`: `conn.whoami\tCONN\tPID\tUID\tGID\tROLE`. */
export interface Whoami {
	/** The daemon's number for this connection (`controller[N]` in its log). */
	readonly conn: number | null;
	readonly pid: number | null;
	readonly uid: number | null;
	readonly gid: number | null;
	readonly role: string | null;
	/** Every field after `conn.whoami`, for what this version does not model. */
	readonly fields: readonly string[];
}

/**
 * Reads a `conn.whoami` line; null for any other line. A field that is not what it should be is
 * null rather than the whole line: a client still learns what it can from a newer daemon.
 */
export function parseWhoamiLine(line: string): Whoami | null {
	if (!line.startsWith('conn.whoami\t')) return null;
	const fields = line.split('\t').slice(1);
	const role = fields[4];
	return {
		conn: idField(fields[0]),
		pid: idField(fields[1]),
		uid: idField(fields[2]),
		gid: idField(fields[3]),
		role: role ? role : null,
		fields,
	};
}

// ---- `audit` -------------------------------------------------------------------------------

export type AuditResult = 'ok' | 'error' | 'denied';

/** `audit\tCONN\tPID\tUID\tGID\tROLE\tRESULT\tCOMMAND…` (the command line verbatim, TABs included). */
export function auditLine(conn: number, who: Credentials, role: string, result: AuditResult, command: string): string {
	return `audit\t${conn}\t${who.pid}\t${who.uid}\t${who.gid}\t${role}\t${result}\t${command}`;
}

export interface Audit extends Credentials {
	readonly conn: number;
	/** `-` for a peer without a role. */
	readonly role: string;
	readonly result: AuditResult;
	/** The command line as received, without its tag. */
	readonly command: string;
}

const AUDIT_RE = /^audit\t([0-9]{1,10})\t([0-9]{1,10})\t([0-9]{1,10})\t([0-9]{1,10})\t([^\t]+)\t(ok|error|denied)\t/;

/** Reads an `audit` event line (without `@SEQ`); null for any other line. */
export function parseAuditLine(line: string): Audit | null {
	const m = AUDIT_RE.exec(line);
	if (!m) return null;
	return {
		conn: Number(m[1]),
		pid: Number(m[2]),
		uid: Number(m[3]),
		gid: Number(m[4]),
		role: m[5] ?? '',
		result: m[6] as AuditResult,
		command: line.slice(m[0].length),
	};
}

// ---- refused connections -------------------------------------------------------------------

/** The one line a connection from a peer without a role receives before it is closed. */
export function connectionRefusedLine(uid: number): string {
	return `error\tpermission denied for uid ${uid}`;
}

const REFUSED_RE = /^error\tpermission denied for uid ([0-9]{1,10})$/;

/** The UID of a refused connection's line, or null. */
export function parseConnectionRefusedLine(line: string): number | null {
	const m = REFUSED_RE.exec(line);
	return m ? Number(m[1]) : null;
}

/**
 * The one line a connection receives when the controller limit is reached: the limit, and the
 * daemon option that changes it (daemonproxy(8), CONTROLLERS).
 */
export function tooManyControllersLine(limit: number): string {
	return `error\ttoo many controllers connected (limit ${limit}, --max-controllers)`;
}

/** When the slots left are kept for admins: `limit` is how many the other roles share. */
export function sharedSlotsFullLine(limit: number): string {
	return `error\ttoo many controllers connected (limit ${limit} below role admin, --admin-controllers)`;
}

/** When the peer's uid has `limit` connections already. */
export function tooManyForUidLine(uid: number, limit: number): string {
	return `error\ttoo many controllers connected for uid ${uid} (limit ${limit}, --max-controllers-per-uid)`;
}

const TOO_MANY_RE =
	/^error\ttoo many controllers connected(?: for uid [0-9]{1,10})? \(limit ([0-9]{1,10})(?: below role admin)?(?:, --[a-z-]+)?\)$/;

/** The limit of any of the three too-many-controllers lines, or null. */
export function parseTooManyControllersLine(line: string): number | null {
	const m = TOO_MANY_RE.exec(line);
	return m ? Number(m[1]) : null;
}
