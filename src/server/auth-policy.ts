// Owns authorisation (see Peer credentials and roles in daemonproxy(8)): the roles, each command
// verb's class (as the protocol's verb table gives it), grant rules, and the pure decision (peer,
// command class) → allow/deny.
// Invariants: fail closed (no matching rule, no role; a verb missing from the table is `admin`
// class); rules only grant, so root and the daemon's own uid are always admin.
// Must never do I/O: user and group names are resolved (auth-accounts.ts) before they get here.

import { verbSpec, type CommandClass } from '../protocol/verbs.js';

/** In ascending order of privilege. */
export const ROLES = ['observer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Each verb's class is written in its row of the verb table; the policy decides by class. */
export type { CommandClass };

/** The least role that may run a command of each class. */
const CLASS_MIN_ROLE: { readonly [C in CommandClass]: Role } = {
	read: 'observer',
	control: 'operator',
	admin: 'admin',
};

/** A verb missing from the table is admin (fail closed). */
export function commandClass(verb: string): CommandClass {
	return verbSpec(verb)?.class ?? 'admin';
}

/** SO_PEERCRED as read at accept (or the daemon's own credentials for its other controllers). */
export interface Peer {
	readonly pid: number;
	readonly uid: number;
	readonly gid: number;
}

/** A resolved selector: `uid`, or a group given by gid with the uids listed as its members. */
export type Selector =
	| { readonly kind: 'uid'; readonly uid: number }
	| { readonly kind: 'gid'; readonly gid: number; readonly members: ReadonlySet<number> };

export interface Rule {
	readonly role: Role;
	readonly selector: Selector;
	/** As written (`observer:user=bob`), for logs. */
	readonly source: string;
}

export interface Policy {
	/** The daemon's own (effective) uid: admin, like root. */
	readonly ownerUid: number;
	readonly rules: readonly Rule[];
	/**
	 * Whether a peer outside daemonproxy's PID namespace (SO_PEERCRED pid 0: a sibling container
	 * of a pod sharing the network namespace, or the host) may have a role at all
	 * (`--allow-foreign-pidns`). Its uid 0 is another namespace's root.
	 */
	readonly allowForeignPidns?: boolean;
}

/** SO_PEERCRED gives pid 0 for a process not visible in daemonproxy's PID namespace. */
export function isForeignPidns(peer: Peer): boolean {
	return peer.pid === 0;
}

/**
 * SO_PEERCRED carries the primary gid only, so a group also matches the uids that the account
 * database lists as members (supplementary groups, resolved when the rule was made).
 */
export function selectorMatches(selector: Selector, peer: Peer): boolean {
	if (selector.kind === 'uid') return peer.uid === selector.uid;
	return peer.gid === selector.gid || selector.members.has(peer.uid);
}

/** The highest role granted to `peer`, or null: refused. */
export function roleOf(policy: Policy, peer: Peer): Role | null {
	if (isForeignPidns(peer) && policy.allowForeignPidns !== true) return null;
	if (peer.uid === 0 || peer.uid === policy.ownerUid) return 'admin';
	let best = -1;
	for (const rule of policy.rules) {
		const rank = ROLES.indexOf(rule.role);
		if (rank > best && selectorMatches(rule.selector, peer)) best = rank;
	}
	return ROLES[best] ?? null;
}

export function roleAllows(role: Role, commandClass: CommandClass): boolean {
	return ROLES.indexOf(role) >= ROLES.indexOf(CLASS_MIN_ROLE[commandClass]);
}

/** The whole policy as one pure function. */
export function decide(policy: Policy, peer: Peer, commandClass: CommandClass): 'allow' | 'deny' {
	const role = roleOf(policy, peer);
	return role !== null && roleAllows(role, commandClass) ? 'allow' : 'deny';
}

/**
 * The rules a control socket path of file `mode` keeps from taking effect: without group or other
 * write permission only its owner (and root) may connect(2), so a rule for anyone else is dead.
 */
export function rulesBlockedByMode(rules: readonly Rule[], ownerUid: number, mode: number): Rule[] {
	if ((mode & 0o022) !== 0) return [];
	return rules.filter(
		rule => rule.selector.kind === 'gid' || (rule.selector.uid !== ownerUid && rule.selector.uid !== 0),
	);
}

export function parseRole(text: string | undefined): Role | undefined {
	return (ROLES as readonly string[]).includes(text ?? '') ? (text as Role) : undefined;
}

/** A selector as written, before names are looked up. */
export type SelectorSpec =
	{ readonly kind: 'uid' | 'gid'; readonly id: number } | { readonly kind: 'user' | 'group'; readonly name: string };

const MAX_ID = 0xfffffffe; // (uid_t)-1 means "no id"
const ID_RE = /^[0-9]{1,10}$/;
/** POSIX portable names plus what Debian's adduser accepts (a trailing `$` for machine accounts). */
const ACCOUNT_NAME_RE = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}\$?$/;

/** `uid=N`, `gid=N`, `user=NAME` or `group=NAME`; null for anything else. */
export function parseSelectorSpec(text: string | undefined): SelectorSpec | null {
	const equals = (text ?? '').indexOf('=');
	if (text === undefined || equals < 0) return null;
	const kind = text.slice(0, equals);
	const value = text.slice(equals + 1);
	if (kind === 'uid' || kind === 'gid') {
		if (!ID_RE.test(value) || Number(value) > MAX_ID) return null;
		return { kind, id: Number(value) };
	}
	if ((kind === 'user' || kind === 'group') && ACCOUNT_NAME_RE.test(value)) return { kind, name: value };
	return null;
}
