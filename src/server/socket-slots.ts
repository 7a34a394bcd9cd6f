// Owns the admission of control-socket connections to controller slots (daemonproxy(8),
// CONTROLLERS): the total, a cap per uid, and slots kept for admins. Pure bookkeeping, no I/O.
// Invariants: counts only socket connections (config, -i and service controllers are the
// daemon's own and never take a slot); a refusal changes nothing; memory is one entry per uid
// with a connection open, so at most `max` entries.

/** The limits, from `--max-controllers`, `--max-controllers-per-uid` and `--admin-controllers`. */
export interface SlotLimits {
	/** Socket connections at once, admins included. */
	readonly max: number;
	/** Socket connections at once per uid, for peers below role admin. */
	readonly perUid: number;
	/** Of `max`, this many only admins may take. */
	readonly adminReserve: number;
}

/** Why a connection gets no slot; each names its limit and the option that changes it. */
export type SlotRefusal =
	| { readonly limit: 'total'; readonly count: number }
	| { readonly limit: 'shared'; readonly count: number }
	| { readonly limit: 'per-uid'; readonly count: number; readonly uid: number };

export class SocketSlots {
	readonly limits: SlotLimits;
	#total = 0;
	readonly #byUid = new Map<number, number>();

	constructor(limits: SlotLimits) {
		this.limits = limits;
	}

	get size(): number {
		return this.#total;
	}

	/** Connections of `uid` now. */
	countOf(uid: number): number {
		return this.#byUid.get(uid) ?? 0;
	}

	/** Null when a connection of `uid` may take a slot now; else why not. Changes nothing. */
	check(uid: number, admin: boolean): SlotRefusal | null {
		const { max, perUid, adminReserve } = this.limits;
		if (this.#total >= max) return { limit: 'total', count: max };
		if (admin) return null;
		const shared = Math.max(0, max - adminReserve);
		if (this.#total >= shared) return { limit: 'shared', count: shared };
		if (this.countOf(uid) >= perUid) return { limit: 'per-uid', count: perUid, uid };
		return null;
	}

	take(uid: number): void {
		this.#total++;
		this.#byUid.set(uid, this.countOf(uid) + 1);
	}

	release(uid: number): void {
		const count = this.countOf(uid);
		if (count === 0) return;
		this.#total--;
		if (count === 1) this.#byUid.delete(uid);
		else this.#byUid.set(uid, count - 1);
	}
}
