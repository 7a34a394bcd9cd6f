// Named file descriptors ("handles", spec §10): the namespace, replacement rules and fd.state
// renderings (§6.6). Owns the lifetime of every handle fd: a replaced or deleted handle's fd is
// closed here, through sys.ts. Never opens descriptors itself: creators pass them in.

import type { DaemonEvent, FdStateEvent } from '../protocol/events.js';
import { close } from './sys.js';

export type HandleType = 'file' | 'pipe' | 'socket' | 'special';

export interface Handle {
	readonly name: string;
	/** Our descriptor; null for the control.* placeholders. */
	readonly fd: number | null;
	readonly type: HandleType;
	readonly flags: string;
	/** Fixed description; for pipes it is derived from `peer` (§6.6). */
	readonly description: string;
	readonly constant: boolean;
	/** The other end of a pipe or socketpair while it exists under its name. */
	peer: Handle | null;
}

export const CONTROL_HANDLES = ['control.cmd', 'control.event', 'control.socket'] as const;

/** Names that FD-assign refuses (§7: `File descriptor cannot be altered`). */
export function isConstantName(name: string): boolean {
	return name === 'null' || (CONTROL_HANDLES as readonly string[]).includes(name);
}

export function describe(handle: Handle): string {
	if (handle.type !== 'pipe') return handle.description;
	return handle.peer?.name ?? '?';
}

export type HandleChange =
	| { readonly kind: 'state'; readonly handle: Handle }
	| { readonly kind: 'deleted'; readonly name: string };

export class HandleTable {
	readonly #handles = new Map<string, Handle>();
	readonly #listener: (change: HandleChange) => void;

	constructor(listener: (change: HandleChange) => void) {
		this.#listener = listener;
	}

	get(name: string): Handle | undefined {
		return this.#handles.get(name);
	}

	/** Handles in bytewise name order (§8 part 1). */
	sorted(): Handle[] {
		return [...this.#handles.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	}

	/** Install handles at startup without broadcasting. */
	seed(handle: Handle): void {
		this.#handles.set(handle.name, handle);
	}

	/**
	 * Store new handles, replacing (closing) older ones of the same names; only the new
	 * fd.state lines are broadcast (§10.1). The new objects exist before the old are released.
	 */
	put(...handles: Handle[]): void {
		const replaced: Handle[] = [];
		for (const handle of handles) {
			const old = this.#handles.get(handle.name);
			if (old) replaced.push(old);
			this.#handles.set(handle.name, handle);
		}
		for (const old of replaced) this.#release(old);
		for (const handle of handles) this.#listener({ kind: 'state', handle });
	}

	/** Forget and close a handle; the `deleted` line is broadcast before the close (§7.15). */
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
		if (handle.fd !== null) close(handle.fd);
	}
}

/** The fd.state line of a live handle (§6.6). */
export function handleStateEvent(handle: Handle): FdStateEvent {
	return { type: 'fd.state', name: handle.name, fdType: handle.type, flags: handle.flags, description: describe(handle) };
}

export function handleChangeEvent(change: HandleChange): DaemonEvent {
	return change.kind === 'deleted' ? { type: 'fd.deleted', name: change.name } : handleStateEvent(change.handle);
}
