// The port a controller reads and writes through: a non-blocking byte stream whose writes never
// block and are queued in order. The daemon plugs in src/os/fd-stream.ts (FdStream, which fits by
// shape: the OS layer imports nothing from here); unit tests plug in an in-memory stream.
// What the stream reports (data, EOF, errors, drain) reaches the controller through its on*() methods.

/** What a controller needs of one end of its connection. */
export interface ByteStream {
	/** Bytes accepted by write() and not yet handed to the kernel. */
	readonly pendingBytes: number;
	/** Monotonic ms when the write queue last went from empty to blocked; null while it is empty. */
	readonly blockedSinceMs: number | null;
	/** Sends now what the peer takes and queues the rest; never blocks. Discarded after an error. */
	write(data: Uint8Array): void;
	pauseReading(): void;
	resumeReading(): void;
	/** Stops at once and drops queued output; the fd is closed by whoever owns it. */
	destroy(): void;
}
