// Unit tests of src/protocol/access-lines.ts: conn.whoami, audit and the lines of refused
// connections. Each line formats then parses back to its value; anything else parses to null.
// Must never spawn a process or open a socket.

import test from 'ava';
import fc from 'fast-check';
import {
	auditLine,
	connectionRefusedLine,
	parseAuditLine,
	parseConnectionRefusedLine,
	parseTooManyControllersLine,
	parseWhoamiLine,
	tooManyControllersLine,
	sharedSlotsFullLine,
	tooManyForUidLine,
	whoamiLine,
	type AuditResult,
} from '../../../src/protocol/access-lines.js';

const SEED = 20_260_124;
const id = fc.integer({ min: 0, max: 4_294_967_295 });
const role = fc.constantFrom('admin', 'operator', 'observer');
const anyLine = fc.string({ unit: 'binary' });

test('the exact bytes of each line', t => {
	const who = { pid: 4711, uid: 1000, gid: 100 };
	t.is(whoamiLine(3, who, 'operator'), 'conn.whoami\t3\t4711\t1000\t100\toperator');
	t.is(
		auditLine(3, who, '-', 'denied', 'service.signal\tweb\tHUP'),
		'audit\t3\t4711\t1000\t100\t-\tdenied\tservice.signal\tweb\tHUP',
	);
	t.is(connectionRefusedLine(65534), 'error\tpermission denied for uid 65534');
	t.is(tooManyControllersLine(256), 'error\ttoo many controllers connected (limit 256, --max-controllers)');
	t.is(
		sharedSlotsFullLine(240),
		'error\ttoo many controllers connected (limit 240 below role admin, --admin-controllers)',
	);
	t.is(
		tooManyForUidLine(65534, 32),
		'error\ttoo many controllers connected for uid 65534 (limit 32, --max-controllers-per-uid)',
	);
});

test('every line round-trips', t => {
	const result = fc.constantFrom<AuditResult>('ok', 'error', 'denied');
	fc.assert(
		fc.property(id, id, id, id, role, result, anyLine, (conn, pid, uid, gid, r, res, command) => {
			const who = { pid, uid, gid };
			const whoami = whoamiLine(conn, who, r);
			const audit = auditLine(conn, who, r, res, command);
			return (
				JSON.stringify(parseWhoamiLine(whoami)) ===
					JSON.stringify({ conn, pid, uid, gid, role: r, fields: whoami.split('\t').slice(1) }) &&
				JSON.stringify(parseAuditLine(audit)) ===
					JSON.stringify({ conn, pid, uid, gid, role: r, result: res, command }) &&
				parseConnectionRefusedLine(connectionRefusedLine(uid)) === uid &&
				parseTooManyControllersLine(tooManyControllersLine(conn)) === conn &&
				parseTooManyControllersLine(sharedSlotsFullLine(conn)) === conn &&
				parseTooManyControllersLine(tooManyForUidLine(uid, conn)) === conn
			);
		}),
		{ seed: SEED },
	);
	t.like(parseAuditLine(auditLine(1, { pid: 2, uid: 3, gid: 4 }, '-', 'denied', 'fd.delete\tx')), {
		role: '-',
		command: 'fd.delete\tx',
	});
});

test('conn.whoami: an unreadable field is null, another line is null', t => {
	t.deepEqual(parseWhoamiLine('conn.whoami\tx\t4711\t\t100'), {
		conn: null,
		pid: 4711,
		uid: null,
		gid: 100,
		role: null,
		fields: ['x', '4711', '', '100'],
	});
	t.like(parseWhoamiLine('conn.whoami\t3\t4711\t1000\t100\tadmin\tlater'), { conn: 3, role: 'admin' });
	for (const bad of ['conn.whoami', 'conn.whoamix\t3', ':c1\tconn.whoami\t3', 'audit\t3', '']) {
		t.is(parseWhoamiLine(bad), null, JSON.stringify(bad));
	}
});

test('audit: malformed lines are null', t => {
	for (const bad of [
		'audit',
		'audit\t3\t4\t5\t6\tadmin\tok',
		'audit\tx\t4\t5\t6\tadmin\tok\techo',
		'audit\t3\t4\t5\t6\t\tok\techo',
		'audit\t3\t4\t5\t6\tadmin\tmaybe\techo',
		'@1\taudit\t3\t4\t5\t6\tadmin\tok\techo',
		'conn.whoami\t3\t4\t5\t6\tadmin',
		'',
	]) {
		t.is(parseAuditLine(bad), null, JSON.stringify(bad));
	}
});

test('refusals: other error lines are null', t => {
	for (const bad of [
		'error\tpermission denied for uid',
		'error\tpermission denied for uid x',
		'error\tpermission denied (role observer)',
		'permission denied for uid 1',
		'',
	]) {
		t.is(parseConnectionRefusedLine(bad), null, JSON.stringify(bad));
	}
	for (const bad of [
		'error\ttoo many controllers connected',
		'error\ttoo many controllers connected (limit x)',
		'error\ttoo many controllers connected (limit 2) ',
		'',
	]) {
		t.is(parseTooManyControllersLine(bad), null, JSON.stringify(bad));
	}
});

test('no parser throws, whatever the line', t => {
	fc.assert(
		fc.property(anyLine, line => {
			parseWhoamiLine(line);
			parseAuditLine(line);
			parseConnectionRefusedLine(line);
			parseTooManyControllersLine(line);
			return true;
		}),
		{ seed: SEED },
	);
	t.pass();
});
