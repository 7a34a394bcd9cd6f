// Resolves `service.user NAME USER[:GROUP]` (daemonproxy(8), service.user) against /etc/passwd and
// /etc/group, once, when the command is given. Pure over an Accounts value. An unknown name is an
// error, never a guess; a number is taken as an id (like chown), but a uid without a passwd entry
// needs an explicit group.

import type { ServiceUser } from '../supervisor/ports.js';
import { unknownGroup, unknownUser, type Accounts } from './auth-accounts.js';

const ID_RE = /^[0-9]{1,10}$/;
const MAX_ID = 0xfffffffe; // (uid_t)-1 means "unchanged" to setresuid

export const invalidUserSpec = (spec: string): string =>
	`invalid user "${spec}" (expected USER or USER:GROUP, names or numeric ids)`;
export const needsGroup = (uid: string): string => `uid ${uid} has no passwd entry: give its group as ${uid}:GROUP`;

/** USER[:GROUP] resolved to ids and supplementary groups, or an error message. */
export function resolveServiceUser(spec: string, accounts: Accounts): ServiceUser | string {
	const colon = spec.indexOf(':');
	const userPart = colon < 0 ? spec : spec.slice(0, colon);
	const groupPart = colon < 0 ? null : spec.slice(colon + 1);
	if (userPart === '' || groupPart === '' || /[\s:\0]/.test(groupPart ?? '') || /[\s\0]/.test(userPart))
		return invalidUserSpec(spec);
	let entryName: string | null = null;
	let uid: number;
	let primary: number | null = null;
	const account = accounts.users.get(userPart);
	if (account) {
		entryName = userPart;
		uid = account.uid;
		primary = account.gid;
	} else if (ID_RE.test(userPart) && Number(userPart) <= MAX_ID) {
		uid = Number(userPart);
		for (const [name, a] of accounts.users) {
			if (a.uid === uid) {
				entryName = name;
				primary = a.gid;
				break;
			}
		}
	} else {
		return unknownUser(userPart);
	}
	let gid: number;
	if (groupPart === null) {
		if (primary === null) return needsGroup(userPart);
		gid = primary;
	} else {
		const group = accounts.groups.get(groupPart);
		if (group) gid = group.gid;
		else if (ID_RE.test(groupPart) && Number(groupPart) <= MAX_ID) gid = Number(groupPart);
		else return unknownGroup(groupPart);
	}
	// As initgroups(3): the group itself, then every group that lists the user as a member.
	const groups = new Set<number>([gid]);
	if (entryName !== null)
		for (const group of accounts.groups.values()) if (group.members.includes(entryName)) groups.add(group.gid);
	return { spec, uid, gid, groups: [...groups] };
}
