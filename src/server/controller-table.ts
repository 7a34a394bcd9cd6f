// The live controllers: their ids, the slot limit, and the raw descriptors
// each one reads and writes, wrapped in FdStreams here. Invariants: a new controller takes the
// lowest free id; its descriptors are closed exactly once, when it is released, and until then
// are listed for the exec-on-exit program. Never routes events or runs commands (daemon.ts).
// This is the one place the real OS stream is plugged into the controllers' ByteStream port.

import { FdStream } from '../os/fd-stream.js';
import * as sys from '../os/sys.js';
import type { Peer } from './auth-policy.js';
import { Controller, type ControllerHost, type ControllerKind } from './controller.js';
import type { OutputLimits } from './limits.js';

export class ControllerTable implements Iterable<Controller> {
	/** At most this many at once (`--max-controllers`). */
	readonly max: number;
	readonly #host: ControllerHost;
	readonly #outputLimits: OutputLimits;
	readonly #controllers = new Map<number, Controller>();
	/** Each controller's own descriptors, inherited by the exec-on-exit program. */
	readonly #fds = new Map<number, readonly number[]>();

	constructor(host: ControllerHost, max: number, outputLimits: OutputLimits) {
		this.#host = host;
		this.max = max;
		this.#outputLimits = outputLimits;
	}

	get size(): number {
		return this.#controllers.size;
	}

	[Symbol.iterator](): IterableIterator<Controller> {
		return this.#controllers.values();
	}

	/**
	 * Create a controller over raw fds we own: `inputFd` to read (null: none), `outputFd` to
	 * write (null: none; may equal inputFd). Returns null when the maximum is reached.
	 */
	open(
		kind: ControllerKind,
		inputFd: number | null,
		outputFd: number | null,
		peer: Peer,
		onClosed?: () => void,
	): Controller | null {
		if (this.#controllers.size >= this.max) return null;
		let id = 0;
		while (this.#controllers.has(id)) id++;
		const controller = new Controller(id, kind, this.#host, peer, this.#outputLimits);
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
		this.#fds.set(
			id,
			[inputFd, outputFd].filter((fd): fd is number => fd !== null),
		);
		return controller;
	}

	/** The controller has ended (ControllerHost.closed): its slot and id are free again. */
	delete(controller: Controller): void {
		this.#controllers.delete(controller.id);
	}

	/** The descriptors of every controller not yet released, for the exec-on-exit program. */
	fds(): number[] {
		return [...this.#fds.values()].flat();
	}
}
