// The control plane's limits and their defaults, in one addon-free module: the controllers use
// them, the daemon's options override them, and daemonproxy(8) documents them (the man-page
// coverage test reads them from here).

/** Controllers connected at once (`--max-controllers`). */
export const DEFAULT_MAX_CONTROLLERS = 256;
/** Above this much unsent output, command processing waits for the reader (daemonproxy(8) CONTROLLERS, Back-pressure and overflow). */
export const COMMAND_HIGH_WATER_BYTES = 64 * 1024;
/** Above this much unsent output, events are dropped and `overflow` follows (daemonproxy(8) CONTROLLERS, Back-pressure and overflow). */
export const EVENT_LIMIT_BYTES = 1024 * 1024;
/** Descriptors received with SCM_RIGHTS and not yet taken (1.1 kept 2). */
export const MAX_QUEUED_FDS = 8;

/** Per-connection output bounds (`--output-high-water`, `--event-queue-limit`). */
export interface OutputLimits {
	/** Above this much unsent output, command processing waits for the reader. */
	readonly highWaterBytes: number;
	/** Above this much unsent output, events are dropped and `overflow` follows. */
	readonly eventLimitBytes: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = {
	highWaterBytes: COMMAND_HIGH_WATER_BYTES,
	eventLimitBytes: EVENT_LIMIT_BYTES,
};

/** Streamed reply lines (statedump, events.resume) produced per loop turn across all controllers (daemonproxy(8) CONTROLLERS, Back-pressure and overflow). */
export const STREAM_LINES_PER_TURN = 512;
