// The hard limits of `--fd-pool N[xM]` and `--service-pool N[xM]`: how many
// handles and services may exist, and how much text each may hold. 1.1 pre-allocated fixed-size
// objects; only the limits and their error texts are contract, so here they are counts and byte
// budgets checked before anything changes. Pure: no I/O, no state beyond the numbers given.

import { MSG } from '../protocol/replies.js';

/** A full pool or an oversized object: thrown before any change is made; `message` is the 1.1 text. */
export class PoolFullError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'PoolFullError';
	}
}

/** What a full pool or an oversized object fails with: 1.1's texts, kept once in MSG. */
export const POOL_MESSAGES = {
	fdObject: MSG.unableToAllocateFd,
	pipe: MSG.failedToCreatePipe,
	service: MSG.unableToAllocateService,
	argv: MSG.unableToSetArgv,
	tags: MSG.unableToSetTags,
	fds: MSG.unableToSetFds,
	triggers: MSG.unableToSetTriggers,
	/** service.env past the pool's object size (an extension: no 1.1 text). */
	env: 'unable to set environment (service pool object size)',
	/** Startup: the inherited descriptors need more handles than the pool has (exit 2). */
	startupFds: 'Not enough FD objects to register all open FDs',
} as const;

export interface PoolLimit {
	/** Objects that may exist at once (constant handles and inherited fds included). */
	readonly count: number;
	/** M: the object size in bytes. */
	readonly size: number;
}

/**
 * Room for a handle's description in a pool object of `size` bytes: 1.1 kept the name (up to 31
 * bytes) and the description in one buffer, so the room is M + 31 − length(name). 1.1's exact
 * figure (alignment slack included) is implementation-defined; this is ours.
 */
export function descriptionRoom(size: number, name: string): number {
	return size + 31 - name.length;
}

/** A description that does not fit is cut and ends with `...`, the whole within `room` bytes. */
export function fitDescription(description: string, room: number): string {
	if (description.length <= room) return description;
	return `${description.slice(0, Math.max(0, room - 3))}...`;
}

export interface ServiceData {
	readonly args: readonly string[];
	readonly fds: readonly string[];
	readonly tags: readonly string[];
	readonly triggers: readonly string[];
	/** service.env entries (an extension; none for a 1.1 config). */
	readonly env?: readonly string[];
}

/**
 * Bytes a service's stored text takes in its pool object: every argument, descriptor-list entry,
 * tag and trigger with a terminating NUL, as 1.1 stored them. Latin1 strings: one char per byte.
 */
export function serviceDataBytes(data: ServiceData): number {
	let total = 0;
	for (const list of [data.args, data.fds, data.tags, data.triggers, data.env ?? []]) {
		for (const item of list) total += item.length + 1;
	}
	return total;
}
