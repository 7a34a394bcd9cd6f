// Unit tests of src/protocol/signals.ts: Appendix A names, §2.4 signal and trigger arguments.
// Checks numbers and message codes. Must never spawn a process or open a socket.

import test from 'ava';
import {
	COUNTED_SIGNALS,
	parseSignalArgument,
	parseTriggerName,
	signalName,
	signalNumber,
} from '../../../src/protocol/signals.js';

test('Appendix A: names with or without SIG, case-sensitive', t => {
	t.is(signalNumber('HUP'), 1);
	t.is(signalNumber('SIGHUP'), 1);
	t.is(signalNumber('USR1'), 10);
	t.is(signalNumber('SIGUSR2'), 12);
	t.is(signalNumber('STKFLT'), 16);
	t.is(signalNumber('SIGPWR'), 30);
	t.is(signalNumber('usr1'), undefined);
	t.is(signalNumber('SIGusr1'), undefined);
	t.is(signalNumber('SIG'), undefined);
	t.is(signalNumber('SIGSIGHUP'), undefined);
	t.is(signalNumber('EMT'), undefined);
	t.is(signalNumber('__proto__'), undefined);
	t.is(signalNumber('constructor'), undefined);
});

test('Appendix A: output names use the alphabetically first synonym', t => {
	t.is(signalName(6), 'SIGABRT');
	t.is(signalName(17), 'SIGCHLD');
	t.is(signalName(29), 'SIGIO');
	t.is(signalName(9), 'SIGKILL');
	t.is(signalName(15), 'SIGTERM');
	t.is(signalName(0), 'SIG-?');
	t.is(signalName(34), 'SIG-?');
	t.is(signalName(-1), 'SIG-?');
});

test('every name maps back to a name of the same number', t => {
	for (let n = 1; n <= 31; n++) {
		t.is(signalNumber(signalName(n)), n);
	}
});

test('§2.4: signal argument', t => {
	t.deepEqual(parseSignalArgument(undefined), { ok: false, message: 'Expected signal argument' });
	t.deepEqual(parseSignalArgument(''), { ok: false, message: 'Expected signal argument' });
	t.deepEqual(parseSignalArgument('CONT'), { ok: true, signal: 18 });
	t.deepEqual(parseSignalArgument('SIGKILL'), { ok: true, signal: 9 });
	t.deepEqual(parseSignalArgument('0'), { ok: true, signal: 0 });
	t.deepEqual(parseSignalArgument('65535'), { ok: true, signal: 65535 });
	t.deepEqual(parseSignalArgument('0009'), { ok: true, signal: 9 });
	for (const bad of ['65536', '9x', '1 ', '1.0', '99999999999999999999']) {
		t.deepEqual(parseSignalArgument(bad), { ok: false, message: 'Invalid signal number' }, bad);
	}
});

test('§2.4: an unknown signal name is rejected (1.1 accident fixed: it meant signal 0)', t => {
	for (const bad of ['FOO', 'usr1', '-1', ' 1', 'SIG', 'SIG-?']) {
		t.deepEqual(parseSignalArgument(bad), { ok: false, message: 'Invalid signal argument' }, bad);
	}
});

test('§2.4: trigger names', t => {
	t.is(parseTriggerName('always'), 'always');
	t.is(parseTriggerName('HUP'), 1);
	t.is(parseTriggerName('SIGUSR1'), 10);
	t.is(parseTriggerName('1'), undefined);
	t.is(parseTriggerName('bogus'), undefined);
	t.is(parseTriggerName('Always'), undefined);
	t.is(parseTriggerName(''), undefined);
	t.is(parseTriggerName(undefined), undefined);
});

test('§11.1: the counted signals', t => {
	t.deepEqual([...COUNTED_SIGNALS].sort(), ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2']);
	for (const name of COUNTED_SIGNALS) {
		t.not(signalNumber(name), undefined);
	}
});
