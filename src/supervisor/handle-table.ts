// Named file descriptors ("handles"; daemonproxy(8), HANDLES): the namespace, replacement rules,
// fd.state renderings and the optional pool limit (`--fd-pool`). Owns the lifetime of every
// handle fd: a replaced or deleted handle's fd is closed here, through the CloseFd port, and so is the fd of
// a handle the pool has no room for. Never opens descriptors itself: creators pass them in.

import type { DaemonEvent, FdStateEvent } from '../protocol/events.js';
import { descriptionRoom, fitDescription, PoolFullError, POOL_MESSAGES, type PoolLimit } from './pools.js';
import type { CloseFd } from './ports.js';

export type HandleType = 'file' | 'pipe' | 'socket' | 'special';

export interface Handle {
	readonly name: string;
	/** Our descriptor; null for the control.* placeholders. */
	readonly fd: number | null;
	readonly type: HandleType;
	readonly flags: string;
	/** Fixed description; for pipes it is derived from `peer`. */
	readonly description: string;
	readonly constant: boolean;
	/** The other end of a pipe or socketpair while it exists under its name. */
	peer: Handle | null;
}

export const CONTROL_HANDLES = ['control.cmd', 'control.event', 'control.socket'] as const;

/** Names that FD-assign refuses (`File descriptor cannot be altered`). */
export function isConstantName(name: string): boolean {
	return name === 'null' || (CONTROL_HANDLES as readonly string[]).includes(name);
}

export function describe(handle: Handle): string {
	if (handle.type !== 'pipe') return handle.description;
	return handle.peer?.name ?? '?';
}

export type HandleChange =
	{ readonly kind: 'state'; readonly handle: Handle } | { readonly kind: 'deleted'; readonly name: string };

export class HandleTable {
	readonly #handles = new Map<string, Handle>();
	readonly #listener: (change: HandleChange) => void;
	readonly #close: CloseFd;
	/** `--fd-pool`: null = no limit but memory and the descriptor limit. */
	#pool: PoolLimit | null = null;

	constructor(listener: (change: HandleChange) => void, close: CloseFd) {
		this.#listener = listener;
		this.#close = close;
	}

	/** Limit the table to `pool.count` handles (constants and inherited fds included). */
	setPool(pool: PoolLimit | null): void {
		this.#pool = pool;
	}

	get pool(): PoolLimit | null {
		return this.#pool;
	}

	/** Handles that exist, constants included: the pool entries in use. */
	get size(): number {
		return this.#handles.size;
	}

	/**
	 * Whether `count` new handles can be stored now. A replacement needs a free entry too: the new
	 * object exists before the old one is released, as in 1.1.
	 */
	hasRoomFor(count: number): boolean {
		return this.#pool === null || this.#handles.size + count <= this.#pool.count;
	}

	get(name: string): Handle | undefined {
		return this.#handles.get(name);
	}

	/** Handles in bytewise name order, as a statedump lists them. */
	sorted(): Handle[] {
		return [...this.#handles.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	}

	/** Install handles at startup without broadcasting (and without a pool check: see size). */
	seed(handle: Handle): void {
		this.#handles.set(handle.name, this.#fitted(handle));
	}

	/** A pipe's description is its peer's name and always fits; others are cut to the pool's room. */
	#fitted(handle: Handle): Handle {
		if (this.#pool === null || handle.type === 'pipe') return handle;
		const description = fitDescription(handle.description, descriptionRoom(this.#pool.size, handle.name));
		return description === handle.description ? handle : { ...handle, description };
	}

	/**
	 * Store new handles, replacing (closing) older ones of the same names; only the new
	 * fd.state lines are broadcast. The new objects exist before the old are released.
	 * The table owns the new handles' fds from here: when the pool has no room it closes them,
	 * changes nothing and throws PoolFullError with the 1.1 text (`failed to create pipe` for a
	 * pipe or socketpair, else `Unable to allocate new file descriptor object`); a command should
	 * catch it and fail with `error.message` (or ask hasRoomFor first). Descriptions too long for
	 * the pool's object size are cut with `...`.
	 */
	put(...handles: Handle[]): void {
		if (!this.hasRoomFor(handles.length)) {
			for (const handle of handles) {
				if (handle.fd !== null) this.#close(handle.fd);
			}
			throw new PoolFullError(
				handles.some(handle => handle.type === 'pipe') ? POOL_MESSAGES.pipe : POOL_MESSAGES.fdObject,
			);
		}
		handles = handles.map(handle => this.#fitted(handle));
		const replaced: Handle[] = [];
		for (const handle of handles) {
			const old = this.#handles.get(handle.name);
			if (old) replaced.push(old);
			this.#handles.set(handle.name, handle);
		}
		for (const old of replaced) this.#release(old);
		for (const handle of handles) this.#listener({ kind: 'state', handle });
	}

	/** Forget and close a handle; the `deleted` line is broadcast before the close. */
	delete(name: string): boolean {
		const handle = this.#handles.get(name);
		if (!handle || handle.constant) return false;
		this.#handles.delete(name);
		this.#listener({ kind: 'deleted', name });
		this.#release(handle);
		return true;
	}

	#release(handle: Handle): void {
		if (handle.peer) {
			handle.peer.peer = null;
			handle.peer = null;
		}
		if (handle.fd !== null) this.#close(handle.fd);
	}
}

/** The fd.state line of a live handle. */
export function handleStateEvent(handle: Handle): FdStateEvent {
	return {
		type: 'fd.state',
		name: handle.name,
		fdType: handle.type,
		flags: handle.flags,
		description: describe(handle),
	};
}

export function handleChangeEvent(change: HandleChange): DaemonEvent {
	return change.kind === 'deleted' ? { type: 'fd.deleted', name: change.name } : handleStateEvent(change.handle);
}
