// The stamp channel of the restart-reaction service: a FIFO the service instances write
// `s PID` (first thing after exec) and `e PID` (last thing before exiting) into. The harness
// timestamps each line on arrival with the monotonic clock (process.hrtime); both kinds of line
// travel the same path, so the channel's own latency cancels out of (start − exit). A harness
// woken too late reads both lines at once: such a pair is discarded (and counted), not measured.

import { execFileSync } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { waitForWake } from './waiting.js';

/** @typedef {{kind: string, pid: number, ns: bigint}} Stamp */

export class StampReader {
	constructor(path) {
		execFileSync('mkfifo', ['-m', '0600', path]);
		// O_RDWR: the FIFO always has a writer (us), so it never reports EOF between instances.
		const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
		this.path = path;
		/** @type {Stamp[]} */
		this.stamps = [];
		this.partial = '';
		/** Exit/start pairs read in one go, so not measurable (see reactions()). */
		this.discarded = 0;
		/** @type {(() => void) | null} */
		this.wake = null;
		this.socket = new Socket({ fd, readable: true, writable: false });
		this.socket.on('data', chunk => {
			const ns = process.hrtime.bigint();
			const lines = (this.partial + chunk.toString('latin1')).split('\n');
			this.partial = lines.pop() ?? '';
			for (const line of lines) {
				const [kind = '', pid = '0'] = line.split(' ');
				this.stamps.push({ kind, pid: Number(pid), ns });
			}
			this.wake?.();
		});
	}

	/** Forgets the stamps so far (between subjects). */
	reset() {
		this.stamps = [];
	}

	/** Exit→start gaps in ms: each `s` of a new pid after the `e` of the previous instance. */
	reactions() {
		const gaps = [];
		let exit = null;
		this.discarded = 0;
		for (const stamp of this.stamps) {
			if (stamp.kind === 'e') exit = stamp;
			else if (stamp.kind === 's' && exit && exit.pid !== stamp.pid) {
				if (stamp.ns === exit.ns)
					this.discarded++; // read together: the exit was stamped late
				else gaps.push(Number(stamp.ns - exit.ns) / 1e6);
				exit = null;
			}
		}
		return gaps;
	}

	/** Resolves with `n` reaction samples, or rejects after `timeoutMs`. */
	async collect(n, timeoutMs) {
		const deadline = performance.now() + timeoutMs;
		for (;;) {
			const gaps = this.reactions();
			if (gaps.length >= n) return gaps.slice(0, n);
			const left = deadline - performance.now();
			if (left <= 0)
				throw new Error(`only ${gaps.length} of ${n} restarts seen in ${timeoutMs} ms (${this.stamps.length} stamps)`);
			await waitForWake(this, left);
		}
	}

	close() {
		this.socket.destroy();
	}
}
