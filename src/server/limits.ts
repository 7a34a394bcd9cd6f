// The control plane's limits and their defaults, in one addon-free module: the controllers use
// them, the daemon's options override them, and daemonproxy(8) documents them (the man-page
// coverage test reads them from here).

/** Control-socket connections at once (`--max-controllers`). */
export const DEFAULT_MAX_CONTROLLERS = 256;
/**
 * Control-socket connections at once per uid below role admin (`--max-controllers-per-uid`): an
 * eighth of the total, so one granted user cannot take the slots others need, yet far more than
 * a person or a monitoring script keeps open (s6-ipcserver allows 40 per client).
 */
export const DEFAULT_MAX_CONTROLLERS_PER_UID = 32;
/** Of the total, slots only admins may take (`--admin-controllers`). */
export const DEFAULT_ADMIN_CONTROLLERS = 16;
/**
 * Refusals (connections, denied commands) and failed commands of socket peers are logged once per
 * uid per interval (`--peer-log-interval`).
 */
export const PEER_LOG_INTERVAL_MS = 10_000;
/** Distinct uids whose lines are logged per interval; those beyond it share one line. */
export const PEER_LOG_MAX_UIDS = 64;
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

/** Streamed reply lines (statedump, events.resume) produced per loop turn across all controllers (`--stream-lines-per-turn`; daemonproxy(8) CONTROLLERS, Back-pressure and overflow). */
export const STREAM_LINES_PER_TURN = 512;
