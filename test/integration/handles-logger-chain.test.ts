// The logger chain (README, spec §1): a writer service (counter-writer.js) writes numbered lines
// through a daemon-held pipe to a logger service (line-logger.js); both are killed and restarted
// repeatedly (service.signal + auto_up), and the log must hold every line exactly once.
//
// What is provable, and so what is checked:
// - The daemon holds both pipe ends, so whatever is written while the logger is down waits in the
//   pipe and the next logger reads it: nothing written is lost by the chain itself.
// - A line write is atomic (< PIPE_BUF), so no line is torn.
// - A logger killed at a random moment may die holding bytes it has read but not yet appended; that
//   loss is the logger's, not the chain's. So the logger is only killed once it has caught up with a
//   stopped writer (SIGSTOP; everything written up to S-1 is in the log, S from the writer's state
//   file). The one line still unaccounted for is S itself (written just before the stop, maybe in
//   flight): it alone may be missing, and only right at a logger kill.
// - counter-writer.js records N+1 after writing N, so a writer killed between the two writes N again
//   when restarted: a duplicate, adjacent, at most once per writer restart. Nothing else may repeat.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import {
	EventScan,
	fixture,
	pidOf,
	pollUntil,
	processState,
	startDaemon,
	tempDir,
	watchPath,
} from './helpers/daemon.js';

test('logger chain: writer and logger killed and restarted repeatedly; no line lost or duplicated by the chain', async t => {
	const dir = await tempDir(t);
	const stateFile = join(dir, 'state');
	const logFile = join(dir, 'out.log');
	const d = await startDaemon(t, [], { cwd: dir });
	// One cursor per service: waiting for one service's event never skips the other's.
	const wEvents = new EventScan(d.stdout, false, 12);
	const lEvents = new EventScan(d.stdout, false, 12);
	for (const line of [
		'fd.pipe\tlog.r\tlog.w',
		`service.args\tw\t${process.execPath}\t${fixture('counter-writer.js')}\t${stateFile}`,
		'service.fds\tw\tnull\tlog.w\tstderr',
		`service.args\tl\t${process.execPath}\t${fixture('line-logger.js')}\t${logFile}`,
		'service.fds\tl\tlog.r\tnull\tstderr',
		'service.auto_up\tl\t1\talways',
		'service.auto_up\tw\t1\talways',
	]) {
		const reply = await d.command(line);
		t.false(
			reply.some(r => r.startsWith('error') || r.startsWith('warning')),
			`${line}: ${reply.join(' | ')}`,
		);
	}
	let writerPid = pidOf(await wEvents.next(/^service\.state\tw\tup\t/));
	let loggerPid = pidOf(await lEvents.next(/^service\.state\tl\tup\t/));

	const readState = (): number => {
		try {
			return Number(readFileSync(stateFile, 'latin1').trim() || '1');
		} catch {
			return 1;
		}
	};
	const lastLogged = (): number => {
		let text: string;
		try {
			text = readFileSync(logFile, 'latin1');
		} catch {
			return 0; // the first logger has not created it yet
		}
		const match = /seq\t(\d+)\n$/.exec(text);
		return match ? Number(match[1]) : 0;
	};
	const send = async (line: string): Promise<void> => {
		t.deepEqual(
			(await d.command(line)).filter(r => r.startsWith('error')),
			[],
			line,
		);
	};
	/** Stops the writer and waits until the logger has appended everything up to S-1; returns S. */
	const stopWriterAndDrain = async (): Promise<number> => {
		await send('service.signal\tw\tSTOP');
		// Nothing announces a stop (the daemon reports deaths only): /proc shows it.
		await pollUntil(() => (processState(writerPid) === 'T' ? true : undefined), 'the writer stopped');
		const next = readState();
		await watchPath(
			logFile,
			() => (lastLogged() >= next - 1 ? true : undefined),
			() => `the logger caught up with ${next - 1} (at ${lastLogged()})`,
		);
		return next;
	};

	// Let some lines flow first.
	await watchPath(logFile, () => (lastLogged() >= 50 ? true : undefined), 'the first 50 lines logged');
	const loggerKillMarks: number[] = [];
	let writerRestarts = 0;
	let writtenWhileLoggerDown = 0;
	const killLogger = async (alsoKillWriter: boolean): Promise<void> => {
		const mark = await stopWriterAndDrain();
		loggerKillMarks.push(mark);
		await send('service.signal\tl\tKILL');
		await lEvents.next(/^service\.state\tl\tdown\t\d+\t\d+\tsignal\tSIGKILL\t/);
		if (alsoKillWriter) {
			await send('service.signal\tw\tKILL');
			await wEvents.next(/^service\.state\tw\tdown\t\d+\t\d+\tsignal\tSIGKILL\t/);
			writerRestarts++;
			writerPid = pidOf(await wEvents.next(/^service\.state\tw\tup\t/));
		} else {
			await send('service.signal\tw\tCONT');
		}
		loggerPid = pidOf(await lEvents.next(/^service\.state\tl\tup\t/));
		writtenWhileLoggerDown += Math.max(0, readState() - mark);
	};
	const killWriter = async (signal: 'KILL' | 'TERM'): Promise<void> => {
		await send(`service.signal\tw\t${signal}`);
		await wEvents.next(new RegExp(`^service\\.state\\tw\\tdown\\t\\d+\\t\\d+\\tsignal\\tSIG${signal}\\t`));
		writerRestarts++;
		writerPid = pidOf(await wEvents.next(/^service\.state\tw\tup\t/));
		await watchPath(stateFile, () => (readState() > 1 ? true : undefined), 'the new writer writing');
	};

	await killLogger(false);
	await killWriter('KILL');
	await killLogger(false);
	await killWriter('TERM');
	await killLogger(true);
	await killWriter('KILL');
	await killLogger(false);

	const finalNext = await stopWriterAndDrain();
	t.true(loggerPid > 0);
	const lines = readFileSync(logFile, 'latin1').split('\n');
	t.is(lines.pop(), '', 'the log ends with a complete line');
	const numbers = lines.map((line, i) => {
		const match = /^seq\t(\d+)$/.exec(line);
		if (!match) throw new Error(`log line ${i + 1} is torn or foreign: ${JSON.stringify(line)}`);
		return Number(match[1]);
	});
	t.is(numbers[0], 1, 'the log starts at the first line ever written');
	t.true((numbers.at(-1) ?? 0) >= finalNext - 1, 'the log holds everything written up to the final stop');
	let duplicates = 0;
	const inFlightLosses: number[] = [];
	const problems: string[] = [];
	for (let i = 1; i < numbers.length; i++) {
		const previous = numbers[i - 1] ?? 0;
		const current = numbers[i] ?? 0;
		if (current === previous + 1) continue;
		if (current === previous) duplicates++;
		else if (current === previous + 2 && loggerKillMarks.includes(previous + 1)) inFlightLosses.push(previous + 1);
		else problems.push(`line ${i + 1}: ${previous} then ${current}`);
	}
	t.deepEqual(problems, [], 'no gap and no repetition except the two explained above');
	t.true(duplicates <= writerRestarts, `${duplicates} duplicates for ${writerRestarts} writer restarts`);
	if (inFlightLosses.length > 0) t.log(`lines in flight inside a killed logger: ${inFlightLosses.join(', ')}`);
	t.true(inFlightLosses.length <= 1, 'the in-flight loss is a rare race, not a pattern');
	t.true(writtenWhileLoggerDown > 0, 'lines were written while the logger was down, and none was lost');
	t.log(
		`${numbers.length} lines, ${writerRestarts} writer restarts, ${loggerKillMarks.length} logger kills, ` +
			`${writtenWhileLoggerDown} lines written while the logger was down`,
	);
});
