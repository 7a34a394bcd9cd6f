// Unit tests of src/protocol/replies.ts: spec §5 line shapes with the §7 transcripts as fixtures,
// including our deliberate fixes (exact-30-byte context, one-line unknown flag).
// Must never spawn a process or open a socket.

import test from 'ava';
import {
	cantKill,
	commandError,
	fdDoesNotExistWarning,
	fdNotYetDefinedWarning,
	LINE_TOO_LONG,
	logCommandFailure,
	logLineTooLong,
	logUnknownCommand,
	MSG,
	unknownCommand,
	unknownFlag,
	unknownOption,
	callFailed,
	socketStepFailed,
} from '../../../src/protocol/replies.js';

test('§5.1: a 29-byte line is quoted whole (observed)', t => {
	const line = 'service.start\tabcdefghijklmno';
	t.is(line.length, 29);
	t.is(commandError(MSG.noSuchService, line), 'error\tNo such service, for command "service.start\tabcdefghijklmno"');
});

test('§5.1: a 30-byte line is quoted whole, without ... (1.1 off-by-one fixed)', t => {
	const line = 'service.start\tabcdefghijklmnop';
	t.is(line.length, 30);
	t.is(commandError(MSG.noSuchService, line), 'error\tNo such service, for command "service.start\tabcdefghijklmnop"');
});

test('§5.1: a 31-byte line is cut to 30 bytes and ...', t => {
	const line = 'service.start\tabcdefghijklmnopq';
	t.is(
		commandError(MSG.noSuchService, line),
		'error\tNo such service, for command "service.start\tabcdefghijklmnop..."',
	);
});

test('§7.13: unknown flag is one line (1.1 embedded LF fixed), context cut at 30 bytes', t => {
	const reply = commandError(unknownFlag('truncate'), 'fd.open\tf1\ttruncate\t/etc/hostname');
	t.is(reply, 'error\tunknown flag "truncate", for command "fd.open\tf1\ttruncate\t/etc/hostn..."');
	t.false(reply.includes('\n'));
});

test('§7 transcripts', t => {
	t.is(
		commandError(MSG.invalidInterval, 'service.auto_up\tfoo\t0'),
		'error\tinvalid interval, for command "service.auto_up\tfoo\t0"',
	);
	t.is(
		commandError(MSG.unableToSetTriggers, 'service.auto_up\tfoo\t3\tbogus'),
		'error\tunable to set auto_up triggers, for command "service.auto_up\tfoo\t3\tbogus"',
	);
	t.is(
		commandError(MSG.noStartPending, 'service.start\tbar\t-'),
		'error\tno service.start pending, for command "service.start\tbar\t-"',
	);
	t.is(
		commandError(MSG.fdCannotBeAltered, 'fd.pipe\tnull\tx'),
		'error\tFile descriptor cannot be altered, for command "fd.pipe\tnull\tx"',
	);
	t.is(
		commandError(MSG.expectedAddress, 'fd.socket\ts1\tlisten'),
		'error\texpected address argument, for command "fd.socket\ts1\tlisten"',
	);
	t.is(
		commandError(MSG.noAncillaryFd, 'fd.take\tgiven2'),
		'error\tNo ancillary file descriptor received, for command "fd.take\tgiven2"',
	);
	t.is(
		commandError(MSG.invalidLoglevel, 'log.filter\twarn'),
		'error\tInvalid loglevel argument, for command "log.filter\twarn"',
	);
	t.is(
		commandError(MSG.guardCodeRequired, 'terminate\t1'),
		'error\tterminate guard code required, for command "terminate\t1"',
	);
	t.is(
		commandError(MSG.cannotExitNoExec, 'terminate\t1\t5'),
		'error\tcannot exit, and exec-on-exit is not configured, for command "terminate\t1\t5"',
	);
	t.is(
		commandError(MSG.invalidOptions, 'socket.create\tx\tctl3.sock'),
		'error\tInvalid options, for command "socket.create\tx\tctl3.sock"',
	);
	t.is(
		commandError(cantKill('bar', 10277, true, 'No such process'), 'service.signal\tbar\tCONT\tgroup'),
		'error\tcan\'t kill bar (pgid 10277): No such process, for command "service.signal\tbar\tCONT\tgroup"',
	);
});

test('templated messages are not truncated to 63 bytes (1.1 accident fixed)', t => {
	const long = 'x'.repeat(200);
	t.is(unknownOption(long), `unknown option "${long}"`);
	t.true(commandError(unknownOption(long), 'l').includes(long));
});

test('templates', t => {
	t.is(cantKill('web', 42, false, 'Operation not permitted'), "can't kill web (pid 42): Operation not permitted");
	t.is(unknownOption(''), 'unknown option ""');
	t.is(callFailed('socketpair()', 'Operation not supported'), 'socketpair() failed: Operation not supported');
	t.is(callFailed('open', 'No such file or directory'), 'open failed: No such file or directory');
	t.is(callFailed('chdir', 'Not a directory'), 'chdir failed: Not a directory');
	t.is(socketStepFailed('bind', 'Address already in use'), 'bind: Address already in use');
});

test('a message never splits the error line', t => {
	t.is(commandError('a\nb', 'x').split('\n').length, 1);
});

test('§5.2, §5.3: unknown command and line too long', t => {
	t.is(unknownCommand('bogus.cmd'), 'error\tUnknown command: bogus.cmd');
	t.is(unknownCommand('echo\r'), 'error\tUnknown command: echo\r');
	t.is(unknownCommand(' echo'), 'error\tUnknown command:  echo');
	t.is(LINE_TOO_LONG, 'error\tline too long');
});

test('§5.4: the two warning shapes', t => {
	t.is(fdNotYetDefinedWarning('nope'), 'warning: fd "nope" is not yet defined');
	t.is(fdDoesNotExistWarning('logpipe'), 'warning\tfd "logpipe" does not exist');
});

test('§5.1: log lines of a failed command (B.1)', t => {
	t.deepEqual(logCommandFailure('controller[0]', 'service.start\tnosuch', MSG.noSuchService), [
		"controller[0] command failed: 'service.start\tnosuch'",
		"  with error: 'No such service'",
	]);
	const l90 = 'e'.repeat(90);
	t.is(logCommandFailure('controller[1]', l90, 'm')[0], `controller[1] command failed: '${l90}'`);
	t.is(logCommandFailure('controller[1]', `${l90}Z`, 'm')[0], `controller[1] command failed: '${l90}'...`);
	t.is(logUnknownCommand('controller[0]', 'bogus.cmd'), 'controller[0] sent unknown command bogus.cmd');
	t.is(logLineTooLong('controller[1]'), 'controller[1] command exceeds buffer size');
});

test('MSG: every fixed message is one non-empty field-safe line; spot checks of exact texts', t => {
	for (const [key, text] of Object.entries(MSG)) {
		t.regex(text, /^[^\t\n]+$/, key);
	}
	t.is(MSG.noSuchService, 'No such service');
	t.is(MSG.expectedFdName, 'Expected file descriptor name');
	t.is(MSG.invalidFdName, 'Invalid file descriptor name');
	t.is(MSG.noSuchFd, 'No such file descriptor');
	t.is(MSG.invalidTimeout, 'invalid timeout (must be 0..7FFFFFFF)');
	t.is(MSG.execArgsTooLong, 'exec arguments exceed buffer size (255)');
	t.is(MSG.unableToAllocateFd, 'Unable to allocate new file descriptor object');
	t.is(MSG.unknownLoggingType, 'Unknown logging type');
	t.is(MSG.unexpectedAfterAddress, 'unexpected argument after address');
	t.is(MSG.invalidFdNameEntry, 'invalid fd name');
});
