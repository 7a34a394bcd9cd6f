// Public surface of the protocol codec shared by the daemon and the client. Re-exports only; the
// codec imports nothing outside src/protocol.
// Must never grow logic of its own or import node: modules.

export { MAX_LINE_BYTES, LineSplitter, type SplitItem } from './line-splitter.js';
export {
	MAX_NAME_BYTES,
	splitFields,
	restOfLine,
	isIgnoredLine,
	checkName,
	parseInteger,
	hasControlBytes,
	type NameCheck,
} from './fields.js';
export {
	COUNTED_SIGNALS,
	WAKE_SIGNALS,
	FATAL_SIGNALS,
	MAX_SIGNAL_NUMBER,
	signalNumber,
	signalName,
	parseSignalArgument,
	parseTriggerName,
	type BareSignalName,
	type SignalName,
	type SignalArgument,
	type SignalArgumentMessage,
} from './signals.js';
export {
	ERROR_CONTEXT_BYTES,
	LOG_CONTEXT_BYTES,
	LINE_TOO_LONG,
	MSG,
	unknownFlag,
	unknownOption,
	cantKill,
	callFailed,
	socketStepFailed,
	commandError,
	unknownCommand,
	fdNotYetDefinedWarning,
	fdDoesNotExistWarning,
	logCommandFailure,
	logUnknownCommand,
	logLineTooLong,
	type MessageKey,
	type FixedMessage,
	type FailedCall,
	type SocketStep,
} from './replies.js';
export {
	formatEvent,
	parseEvent,
	eventTopic,
	eventSubject,
	type ServiceStateName,
	type ExitReason,
	type FdType,
	type ServiceStateEvent,
	type ServiceArgsEvent,
	type ServiceFdsEvent,
	type ServiceTagsEvent,
	type ServiceAutoUpEvent,
	type FdStateEvent,
	type FdDeletedEvent,
	type SignalEvent,
	type OverflowEvent,
	type DaemonEvent,
	type EventTopic,
} from './events.js';
export {
	MAX_TAG_BYTES,
	INVALID_REQUEST_TAG,
	isValidTag,
	parseRequestTag,
	tagLine,
	type RequestTagResult,
} from './request-tag.js';
export {
	MAX_PATTERN_BYTES,
	compilePattern,
	globMatch,
	matches,
	matchesAny,
	type Glob,
	type Pattern,
} from './patterns.js';
