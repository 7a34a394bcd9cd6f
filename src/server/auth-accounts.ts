// Owns the account database lookups of grant rules: /etc/passwd and /etc/group are
// parsed here (no NSS, no new dependency) to turn `user=NAME` and `group=NAME` into ids, once,
// when the rule is made. Invariants: the parsers are pure and skip malformed lines; an unknown
// name is an error, never a guess. Must never be called per connection or per command.

import { readFileSync } from 'node:fs';
import type { Role, Rule, Selector, SelectorSpec } from './auth-policy.js';
import { parseRole, parseSelectorSpec } from './auth-policy.js';

export interface Account {
	readonly uid: number;
	readonly gid: number;
}
export interface Group {
	readonly gid: number;
	readonly members: readonly string[];
}

export interface Accounts {
	readonly users: ReadonlyMap<string, Account>;
	readonly groups: ReadonlyMap<string, Group>;
}

export const PASSWD_PATH = '/etc/passwd';
export const GROUP_PATH = '/etc/group';

const ID_RE = /^[0-9]{1,10}$/;

/** Lines that are not `name:x:uid:gid:…` with numeric ids (comments, NIS `+` lines) are skipped. */
export function parsePasswd(text: string): Map<string, Account> {
	const users = new Map<string, Account>();
	for (const line of text.split('\n')) {
		const [name = '', , uid = '', gid = ''] = line.split(':');
		if (name === '' || !ID_RE.test(uid) || !ID_RE.test(gid) || users.has(name)) continue;
		users.set(name, { uid: Number(uid), gid: Number(gid) });
	}
	return users;
}

/** `name:x:gid:member,member`; the first entry of a name wins, as with getgrnam(3). */
export function parseGroup(text: string): Map<string, Group> {
	const groups = new Map<string, Group>();
	for (const line of text.split('\n')) {
		const [name = '', , gid = '', members = ''] = line.split(':');
		if (name === '' || !ID_RE.test(gid) || groups.has(name)) continue;
		groups.set(name, {
			gid: Number(gid),
			members: members
				.split(',')
				.map(m => m.trim())
				.filter(m => m !== ''),
		});
	}
	return groups;
}

function readOrEmpty(path: string): string {
	try {
		return readFileSync(path, 'latin1');
	} catch {
		return '';
	}
}

/** A missing or unreadable file counts as empty: every name in it is then unknown. */
export function loadAccounts(passwdPath = PASSWD_PATH, groupPath = GROUP_PATH): Accounts {
	return { users: parsePasswd(readOrEmpty(passwdPath)), groups: parseGroup(readOrEmpty(groupPath)) };
}

/** A group's member uids: its listed members, and every account whose primary group it is. */
function memberUids(accounts: Accounts, gid: number): Set<number> {
	const uids = new Set<number>();
	for (const group of accounts.groups.values()) {
		if (group.gid !== gid) continue;
		for (const name of group.members) {
			const user = accounts.users.get(name);
			if (user) uids.add(user.uid);
		}
	}
	for (const user of accounts.users.values()) if (user.gid === gid) uids.add(user.uid);
	return uids;
}

/** The selector, or an error message naming the unknown user or group. */
export function resolveSelector(spec: SelectorSpec, accounts: Accounts): Selector | string {
	switch (spec.kind) {
		case 'uid':
			return { kind: 'uid', uid: spec.id };
		case 'user': {
			const user = accounts.users.get(spec.name);
			return user ? { kind: 'uid', uid: user.uid } : unknownUser(spec.name);
		}
		case 'gid':
			return { kind: 'gid', gid: spec.id, members: memberUids(accounts, spec.id) };
		case 'group': {
			const group = accounts.groups.get(spec.name);
			return group
				? { kind: 'gid', gid: group.gid, members: memberUids(accounts, group.gid) }
				: unknownGroup(spec.name);
		}
	}
}

export const unknownUser = (name: string): string => `unknown user "${name}"`;
export const unknownGroup = (name: string): string => `unknown group "${name}"`;
export const invalidRole = (role: string): string => `invalid role "${role}" (expected admin, operator or observer)`;
export const invalidSelector = (selector: string): string =>
	`invalid selector "${selector}" (expected uid=N, gid=N, user=NAME or group=NAME)`;

/** ROLE and SELECTOR as two strings (the `conn.allow` fields), resolved to a rule, or an error. */
export function makeRule(
	role: string,
	selector: string,
	accounts: Accounts,
	source = `${role}:${selector}`,
): Rule | string {
	const parsedRole: Role | undefined = parseRole(role);
	if (parsedRole === undefined) return invalidRole(role);
	const spec = parseSelectorSpec(selector);
	if (spec === null) return invalidSelector(selector);
	const resolved = resolveSelector(spec, accounts);
	return typeof resolved === 'string' ? resolved : { role: parsedRole, selector: resolved, source };
}

/** `ROLE:SELECTOR` (the `--allow` value): syntax only, for option validation; null when fine. */
export function checkRuleSpec(text: string): string | null {
	const colon = text.indexOf(':');
	const role = colon < 0 ? text : text.slice(0, colon);
	if (parseRole(role) === undefined) return invalidRole(role);
	const selector = colon < 0 ? '' : text.slice(colon + 1);
	return parseSelectorSpec(selector) === null ? invalidSelector(selector) : null;
}

/** `ROLE:SELECTOR` resolved to a rule, or an error. */
export function ruleFromSpec(text: string, accounts: Accounts): Rule | string {
	const colon = text.indexOf(':');
	if (colon < 0) return checkRuleSpec(text) ?? invalidSelector('');
	return makeRule(text.slice(0, colon), text.slice(colon + 1), accounts, text);
}
