// The live controllers: their ids, the slots of socket connections (socket-slots.ts), and the raw
// descriptors each one reads and writes, wrapped in FdStreams here. Invariants: a new controller
// takes the lowest free id; only socket connections take slots (the daemon's own controllers are
// never refused); its descriptors are closed exactly once, when it is released, and until then
// are listed for the exec-on-exit program. Never routes events or runs commands (daemon.ts).
// This is the one place the real OS stream is plugged into the controllers' ByteStream port.

import { FdStream } from '../os/fd-stream.js';
import * as sys from '../os/sys.js';
import type { Peer } from './auth-policy.js';
import { Controller, type ControllerHost, type ControllerKind } from './controller.js';
import type { OutputLimits } from './limits.js';
import { SocketSlots, type SlotLimits, type SlotRefusal } from './socket-slots.js';
import { TurnBudget } from './turn-budget.js';

export class ControllerTable implements Iterable<Controller> {
	readonly #slots: SocketSlots;
	readonly #host: ControllerHost;
	readonly #outputLimits: OutputLimits;
	readonly #controllers = new Map<number, Controller>();
	/** Each controller's own descriptors, inherited by the exec-on-exit program. */
	readonly #fds = new Map<number, readonly number[]>();

	/** One budget of streamed reply lines per loop turn for every controller of the process. */
	readonly #streamBudget: TurnBudget;

	constructor(host: ControllerHost, slotLimits: SlotLimits, outputLimits: OutputLimits, streamLinesPerTurn: number) {
		this.#host = host;
		this.#slots = new SocketSlots(slotLimits);
		this.#outputLimits = outputLimits;
		this.#streamBudget = new TurnBudget(streamLinesPerTurn);
	}

	get size(): number {
		return this.#controllers.size;
	}

	/** Null when a socket connection of `uid` may be opened now; else why not. */
	refusal(uid: number, admin: boolean): SlotRefusal | null {
		return this.#slots.check(uid, admin);
	}

	[Symbol.iterator](): IterableIterator<Controller> {
		return this.#controllers.values();
	}

	/**
	 * Create a controller over raw fds we own: `inputFd` to read (null: none), `outputFd` to
	 * write (null: none; may equal inputFd). A socket connection takes a slot: check refusal()
	 * first; one opened regardless still counts.
	 */
	open(
		kind: ControllerKind,
		inputFd: number | null,
		outputFd: number | null,
		peer: Peer,
		onClosed?: () => void,
	): Controller {
		let id = 0;
		while (this.#controllers.has(id)) id++;
		const controller = new Controller(id, kind, this.#host, peer, this.#outputLimits, this.#streamBudget);
		const handlers = {
			onData: (data: Buffer, fds: number[]) => controller.onData(data, fds),
			onEnd: () => controller.onEnd(),
			onError: (error: Error) => controller.onError(error),
			onWriteError: (error: Error) => controller.onWriteError(error),
			onDrain: () => controller.onDrain(),
		};
		const same = inputFd !== null && inputFd === outputFd;
		const input = inputFd === null ? null : new FdStream(inputFd, handlers, { read: true, write: same });
		const output =
			outputFd === null ? null : same ? input : new FdStream(outputFd, handlers, { read: false, write: true });
		controller.attach({
			input,
			output,
			release: () => {
				this.#fds.delete(id);
				if (inputFd !== null) sys.close(inputFd);
				if (outputFd !== null && !same) sys.close(outputFd);
				onClosed?.();
			},
		});
		this.#controllers.set(id, controller);
		if (kind === 'socket') this.#slots.take(peer.uid);
		this.#fds.set(
			id,
			[inputFd, outputFd].filter((fd): fd is number => fd !== null),
		);
		return controller;
	}

	/** The controller has ended (ControllerHost.closed): its slot and id are free again. */
	delete(controller: Controller): void {
		if (this.#controllers.get(controller.id) !== controller) return;
		this.#controllers.delete(controller.id);
		if (controller.kind === 'socket') this.#slots.release(controller.peer.uid);
	}

	/** The descriptors of every controller not yet released, for the exec-on-exit program. */
	fds(): number[] {
		return [...this.#fds.values()].flat();
	}
}
