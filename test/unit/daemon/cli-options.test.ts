// Unit tests of src/server/cli-options.ts (with its option table, values and messages) and
// src/server/help-text.ts: spec §13.2/§13.3 grammar, §13.5 guard and exec-on-exit semantics,
// §13.7 PID-1 defaults, §13.11 help layout.
// Checks stop kinds, statuses and option fields. Must never spawn a process or touch the disk.

import test from 'ava';
import { CLI_MESSAGES } from '../../../src/daemon/cli-messages.js';
import type { ExtensionOption } from '../../../src/daemon/cli-option-table.js';
import { parseCInteger } from '../../../src/daemon/cli-option-values.js';
import { parseCommandLine, type ParseResult } from '../../../src/daemon/cli-options.js';
import { helpText, versionText } from '../../../src/daemon/help-text.js';

const EXISTING = new Set(['/etc/daemonproxy.conf', 'conf', 'FILE', '-x']);
const context = { isPid1: false, fileExists: (path: string) => EXISTING.has(path) };
const pid1 = { isPid1: true, fileExists: () => false };

function parse(argv: string[], ctx = context, extensions?: readonly ExtensionOption[]): ParseResult {
	return parseCommandLine(argv, ctx, extensions);
}

function fatalOf(result: ParseResult): { status: number; message: string } | null {
	return result.stop?.kind === 'fatal' ? { status: result.stop.status, message: result.stop.message } : null;
}

const POOL_ERROR = CLI_MESSAGES.badPoolSpec;

// §13.2/§13.3/§13.10: every command-line error is fatal with status 2.
const errors: Array<[string[], string]> = [
	[['-x'], 'Unknown option -x  (see --help)'],
	[['-i', '-iZ'], 'Unknown option -Z  (see --help)'],
	[['--bogus'], 'Unknown option --bogus  (see --help)'],
	[['--config=conf'], 'Unknown option --config=conf  (see --help)'],
	[['--'], 'Unknown option --  (see --help)'],
	[['--CONFIG', 'conf'], 'Unknown option --CONFIG  (see --help)'],
	[['-c'], 'Missing argument for -c'],
	[['-cconf'], 'Missing argument for -c'],
	[['-i', '-S'], 'Missing argument for -S'],
	[['--config'], 'Missing argument for --config'],
	[['-i', '--exit-guard'], 'Missing argument for --exit-guard'],
	[['-i', 'stray'], 'Unexpected argument "stray"'],
	[['-c', 'missing'], 'Cannot stat configfile "missing"'],
	[['-i', '--exit-guard', '5x'], 'Terminate guard must be an integer'],
	[['-i', '--exit-guard', ''], 'Terminate guard must be an integer'],
	[['-i', '--exit-guard', '0x10'], 'Terminate guard must be an integer'],
	[['-i', '-E', 'a'.repeat(256)], 'exec-on-exit arguments exceed buffer size'],
	[['-i', '--fd-pool', 'abc'], POOL_ERROR],
	[['-i', '--fd-pool', ''], POOL_ERROR],
	[['-i', '--fd-pool', 'x96'], POOL_ERROR],
	[['-i', '--fd-pool', '10y'], POOL_ERROR],
	[['-i', '--fd-pool', '10x5q'], POOL_ERROR],
	[['-i', '--fd-pool', '10x1Kb'], POOL_ERROR],
	[['-i', '--service-pool', '10xK'], POOL_ERROR],
	[['-i', '--service-pool', '10x99999999999G'], POOL_ERROR],
	[[], 'require -i or -c or -S'],
	[['-v', '-M'], 'require -i or -c or -S'],
	[['-i', '-c', '-'], CLI_MESSAGES.interactiveWithStdinConfig],
];

for (const [argv, message] of errors) {
	test(`§13.2 fatal status 2: ${JSON.stringify(argv).slice(0, 60)}`, t => {
		const result = parse(argv);
		t.deepEqual(fatalOf(result), { status: 2, message });
		t.deepEqual(result.continuedFatals, []);
	});
}

test('§13.2: no trailing LF on "Unexpected argument" (the 1.1 accident is fixed)', t => {
	t.false(CLI_MESSAGES.unexpectedArgument('x').includes('\n'));
});

test('§13.2: arguments act left to right: an error stops before later options', t => {
	const result = parse(['-S', 'sock', '--bogus', '-i']);
	t.is(result.stop?.kind, 'fatal');
	t.deepEqual(result.options.sockets, ['sock']);
	t.false(result.options.interactive);
});

test('§13.2: a value-taking letter takes the next argv element wherever it sits in the cluster', t => {
	const result = parse(['-ic', 'FILE']);
	t.is(result.stop, null);
	t.true(result.options.interactive);
	t.is(result.options.config, 'FILE');

	const two = parse(['-cS', 'conf', 'sock']);
	t.is(two.stop, null);
	t.is(two.options.config, 'conf');
	t.deepEqual(two.options.sockets, ['sock']);

	// The value is taken verbatim, even when it looks like an option.
	const dash = parse(['-c', '-x']);
	t.is(dash.stop, null);
	t.is(dash.options.config, '-x');
});

test('§13.2: a lone "-" is ignored', t => {
	const result = parse(['-', '-i', '-']);
	t.is(result.stop, null);
	t.true(result.options.interactive);
});

test('§13.2/§12.2: -v/-q step the filter in order, saturating from the default (debug)', t => {
	t.is(parse(['-i', '-vvq']).options.logLevelDelta, -1);
	t.is(parse(['-i', '--verbose', '--quiet', '-q']).options.logLevelDelta, 1);
	t.is(parse(['-i', '-vvvvv']).options.logLevelDelta, -2);
	t.is(parse(['-i', '-qqqqqqq']).options.logLevelDelta, 4);
	t.is(parse(['-i', '-qqqqqqqv']).options.logLevelDelta, 3);
	t.is(parse(['-i', '-vvvq']).options.logLevelDelta, -1);
});

test('§13.3: flags and values land in their fields; repeated -c: last wins', t => {
	const result = parse(['-iDM', '-c', 'conf', '--config', 'FILE', '--socket', '@dp', '-c', '-']);
	t.is(result.stop?.kind, 'fatal'); // -i with -c -
	const ok = parse(['-DM', '-c', 'conf', '--config', 'FILE', '--socket', '@dp', '--mlockall']);
	t.is(ok.stop, null);
	t.deepEqual(ok.warnings, []);
	t.like(ok.options, {
		config: 'FILE',
		sockets: ['@dp'],
		daemonize: true,
		mlockall: true,
		interactive: false,
		exitGuard: 0n,
		exitExec: null,
		fdPool: null,
		servicePool: null,
	});
	t.is(parse(['-c', '-']).options.config, '-');
});

test('§13.3: -h/--help and --version stop at once with status 1', t => {
	const help = parse(['-i', '-h', '--bogus']);
	t.deepEqual(help.stop, { kind: 'help', status: 1 });
	t.true(help.options.interactive);
	t.deepEqual(parse(['--help']).stop, { kind: 'help', status: 1 });
	t.deepEqual(parse(['-ih']).stop, { kind: 'help', status: 1 });
	t.deepEqual(parse(['--version', '-h']).stop, { kind: 'version', status: 1 });
	// No "require -i or -c or -S" check after a stop.
	t.deepEqual(parse(['-h']).stop, { kind: 'help', status: 1 });
});

test('§13.3: --exit-guard is a base-10 long with strtol leniency; 0 means none', t => {
	t.is(parse(['-i', '--exit-guard', '5']).options.exitGuard, 5n);
	t.is(parse(['-i', '--exit-guard', ' \t+7']).options.exitGuard, 7n);
	t.is(parse(['-i', '--exit-guard', '-3']).options.exitGuard, -3n);
	t.is(parse(['-i', '--exit-guard', '010']).options.exitGuard, 10n);
	t.is(parse(['-i', '--exit-guard', '5', '--exit-guard', '0']).options.exitGuard, 0n);
	t.is(parseCInteger('99999999999999999999'), 2n ** 63n - 1n);
	t.is(parseCInteger('-99999999999999999999'), -(2n ** 63n));
	t.is(parseCInteger('7 '), null);
	t.is(parseCInteger('+'), null);
});

test('§13.3/§13.6: -E splits on TABs; 255 bytes pass, 256 do not; "" disables', t => {
	t.deepEqual(parse(['-i', '-E', 'sh\t-c\techo hi']).options.exitExec, ['sh', '-c', 'echo hi']);
	t.deepEqual(parse(['-i', '--exit-exec', 'a\t\tb']).options.exitExec, ['a', '', 'b']);
	t.is(parse(['-i', '-E', 'x', '-E', '']).options.exitExec, null);
	const max = parse(['-i', '-E', 'a'.repeat(255)]);
	t.is(max.stop, null);
	t.is(max.options.exitExec?.[0]?.length, 255);
	// Latin1 strings count one byte per char; wider chars (a UTF-8-decoded argv) count as UTF-8.
	t.is(parse(['-i', '-E', '\xe9'.repeat(255)]).stop, null);
	t.is(parse(['-i', '-E', '\u20ac'.repeat(85)]).stop, null);
	t.is(fatalOf(parse(['-i', '-E', '\u20ac'.repeat(86)]))?.message, CLI_MESSAGES.execArgsTooLong);
});

test('§13.5: with a guard, errors are recorded and parsing continues', t => {
	const result = parse(['--exit-guard', '5', '--bogus', '-i', 'stray', '-Z', '--fd-pool', 'zz']);
	t.is(result.stop, null);
	t.true(result.options.interactive);
	t.is(result.options.fdPool, null);
	t.deepEqual(result.continuedFatals, [
		CLI_MESSAGES.unknownLong('--bogus'),
		CLI_MESSAGES.unexpectedArgument('stray'),
		CLI_MESSAGES.unknownShort('Z'),
		POOL_ERROR,
	]);
});

test('§13.5: a guard continues past a missing value and a bad guard keeps the old one', t => {
	const result = parse(['--exit-guard', '5', '-i', '--exit-guard', 'nope', '-c']);
	t.is(result.stop, null);
	t.is(result.options.exitGuard, 5n);
	t.deepEqual(result.continuedFatals, [CLI_MESSAGES.badGuard, CLI_MESSAGES.missingShort('c')]);
});

test('§13.5: with a guard, the mode check is a continued fatal too', t => {
	const result = parse(['--exit-guard', '1']);
	t.is(result.stop, null);
	t.deepEqual(result.continuedFatals, [CLI_MESSAGES.requireMode]);
});

test('§13.5: exec-on-exit configured earlier stops parsing, even with a guard (the caller execs)', t => {
	const result = parse(['-E', 'x', '--bogus', '-i']);
	t.deepEqual(fatalOf(result), { status: 2, message: CLI_MESSAGES.unknownLong('--bogus') });
	t.deepEqual(result.options.exitExec, ['x']);
	t.false(result.options.interactive);

	const guarded = parse(['--exit-guard', '3', '-E', 'x\ty', '-Q']);
	t.deepEqual(fatalOf(guarded), { status: 2, message: CLI_MESSAGES.unknownShort('Q') });
	t.deepEqual(guarded.options.exitExec, ['x', 'y']);
	t.deepEqual(guarded.continuedFatals, []);

	// A later -E does not count; a disabled one neither.
	t.deepEqual(parse(['--exit-guard', '3', '-Q', '-E', 'x', '-i']).continuedFatals, [CLI_MESSAGES.unknownShort('Q')]);
	t.is(parse(['--exit-guard', '3', '-E', 'x', '-E', '', '-Q', '-i']).stop, null);

	// -h with -E configured is still a help stop; the caller decides to exec.
	const help = parse(['-E', 'x', '-h']);
	t.deepEqual(help.stop, { kind: 'help', status: 1 });
	t.deepEqual(help.options.exitExec, ['x']);
});

test('§13.7: as PID 1 the config defaults to /etc/daemonproxy.conf and the guard to 1', t => {
	const result = parse([], pid1);
	t.is(result.stop, null);
	t.is(result.options.config, '/etc/daemonproxy.conf');
	t.is(result.options.exitGuard, 1n);
	t.deepEqual(result.continuedFatals, []);

	// Option errors never stop PID 1.
	const bogus = parse(['--bogus', '-S', 'sock'], pid1);
	t.is(bogus.stop, null);
	t.deepEqual(bogus.options.sockets, ['sock']);
	t.deepEqual(bogus.continuedFatals, [CLI_MESSAGES.unknownLong('--bogus')]);

	// --exit-guard 0 disables the guard: a later error stops.
	t.deepEqual(fatalOf(parse(['--exit-guard', '0', '--bogus'], pid1)), {
		status: 2,
		message: CLI_MESSAGES.unknownLong('--bogus'),
	});
	t.is(parse(['-i'], pid1).options.config, '/etc/daemonproxy.conf');
});

test('§13.7: as PID 1 a missing -c file is a continued fatal and the given path is kept', t => {
	const result = parse(['-c', '/nope.conf'], pid1);
	t.is(result.stop, null);
	t.is(result.options.config, '/nope.conf');
	t.deepEqual(result.continuedFatals, [CLI_MESSAGES.cannotStatConfig('/nope.conf')]);
});

test('§13.1: -i with -c - under a guard: continued, the interactive controller keeps stdin', t => {
	const result = parse(['--exit-guard', '2', '-c', '-', '-i']);
	t.is(result.stop, null);
	t.is(result.options.config, null);
	t.true(result.options.interactive);
	t.deepEqual(result.continuedFatals, [CLI_MESSAGES.interactiveWithStdinConfig]);
});

test('§13.8: -D with -i or as PID 1 is ignored with a warning', t => {
	const interactive = parse(['-D', '-i']);
	t.false(interactive.options.daemonize);
	t.deepEqual(interactive.warnings, [CLI_MESSAGES.ignoringDaemonize]);
	const init = parse(['--daemonize'], pid1);
	t.false(init.options.daemonize);
	t.deepEqual(init.warnings, ['Ignoring --daemonize (see manual)']);
	t.true(parse(['-D', '-S', 's']).options.daemonize);
});

// §13.3 N[xM] arithmetic.
const pools: Array<[string, number, number]> = [
	['10', 10, 96],
	['10x', 10, 96],
	['10x64', 10, 64],
	['10x1b', 10, 32], // ×1, then clamped to the minimum
	['10x100B', 10, 100],
	['10x1k', 10, 1024],
	['10x2K', 10, 2048],
	['10x2KB', 10, 2000],
	['10x2kB', 10, 2000],
	['10x2KiB', 10, 2048],
	['10x4000', 10, 4000],
];

for (const [spec, count, size] of pools) {
	test(`§10.4 --fd-pool ${spec}`, t => {
		const result = parse(['-i', '--fd-pool', spec]);
		t.is(result.stop, null);
		t.deepEqual(result.options.fdPool, { count, size });
	});
}

test('§13.3: service pool sizes: M, G suffixes and the default of 512', t => {
	t.deepEqual(parse(['-i', '--service-pool', '3']).options.servicePool, { count: 3, size: 512 });
	t.deepEqual(parse(['-i', '--service-pool', '3x1M']).options.servicePool, { count: 3, size: 1024 ** 2 });
	t.deepEqual(parse(['-i', '--service-pool', '3x1MB']).options.servicePool, { count: 3, size: 1000 ** 2 });
	t.deepEqual(parse(['-i', '--service-pool', '3x1MiB']).options.servicePool, { count: 3, size: 1024 ** 2 });
	t.deepEqual(parse(['-i', '--service-pool', '3x2g']).options.servicePool, { count: 3, size: 2 * 1024 ** 3 });
	t.deepEqual(parse(['-i', '--service-pool', '3x2GB']).options.servicePool, { count: 3, size: 2e9 });
	t.deepEqual(parse(['-i', '--service-pool', '3x2GiB']).options.servicePool, { count: 3, size: 2 * 1024 ** 3 });
	t.deepEqual(parse(['-i', '--service-pool', '3x1', '--service-pool', '4']).options.servicePool, {
		count: 4,
		size: 512,
	});
});

const clamps: Array<[string, string, { count: number; size: number }, string[]]> = [
	['--fd-pool', '3', { count: 7, size: 96 }, [CLI_MESSAGES.fdPoolCountLow]],
	['--fd-pool', '-5x10', { count: 7, size: 32 }, [CLI_MESSAGES.fdPoolCountLow, CLI_MESSAGES.fdPoolSizeLow]],
	['--fd-pool', '5000x8k', { count: 1024, size: 4096 }, [CLI_MESSAGES.fdPoolCountHigh, CLI_MESSAGES.fdPoolSizeHigh]],
	['--fd-pool', '99999999999999999999999', { count: 1024, size: 96 }, [CLI_MESSAGES.fdPoolCountHigh]],
	['--fd-pool', '7x32', { count: 7, size: 32 }, []],
	['--fd-pool', '1024x4096', { count: 1024, size: 4096 }, []],
	[
		'--service-pool',
		'0x10',
		{ count: 1, size: 64 },
		[CLI_MESSAGES.servicePoolCountLow, CLI_MESSAGES.servicePoolSizeLow],
	],
	['--service-pool', '70000x1G', { count: 65535, size: 1024 ** 3 }, [CLI_MESSAGES.servicePoolCountHigh]],
	['--service-pool', '65535x64', { count: 65535, size: 64 }, []],
];

for (const [option, spec, pool, warnings] of clamps) {
	test(`§13.3 clamping ${option} ${spec}`, t => {
		const result = parse(['-i', option, spec]);
		t.is(result.stop, null);
		t.deepEqual(option === '--fd-pool' ? result.options.fdPool : result.options.servicePool, pool);
		t.deepEqual(result.warnings, warnings);
	});
}

test('§13.3: the clamping warnings keep the 1.1 texts (servce typo fixed)', t => {
	t.is(CLI_MESSAGES.fdPoolCountLow, 'At least 7 fd objects required; using minimum');
	t.is(CLI_MESSAGES.fdPoolCountHigh, 'fd pool size exceeds max number of allowed file descriptors; limiting to 1024');
	t.is(CLI_MESSAGES.fdPoolSizeLow, 'fd obj size increased to minimum of 32');
	t.is(CLI_MESSAGES.fdPoolSizeHigh, 'fd obj size limited to maximum of 4096');
	t.is(CLI_MESSAGES.servicePoolCountLow, 'At least 1 service objects required; using minimum');
	t.is(CLI_MESSAGES.servicePoolCountHigh, 'service pool size exceeds maximum; limiting to 65535');
	t.is(CLI_MESSAGES.badPoolSpec, "Expected 'N' or 'NxM' where N and M are integers and M has an optional size suffix");
});

const EXTENSIONS: readonly ExtensionOption[] = [
	{
		long: 'max-controllers',
		valueName: 'N',
		description: 'Most concurrent controllers',
		validate: value => (/^[1-9][0-9]*$/.test(value) ? null : `invalid --max-controllers "${value}"`),
	},
	{ long: 'allow', short: 'A', valueName: 'ROLE:WHO', description: 'Grant ROLE to a uid, gid, user or group' },
];

test('extensions: long and short forms take a value; values are kept in order', t => {
	const result = parse(
		['-i', '--allow', 'admin:1000', '--max-controllers', '8', '-iA', 'observer:@staff', '--allow', ''],
		context,
		EXTENSIONS,
	);
	t.is(result.stop, null);
	t.deepEqual(result.options.extensions.get('allow'), ['admin:1000', 'observer:@staff', '']);
	t.deepEqual(result.options.extensions.get('max-controllers'), ['8']);
	t.false(parse(['-i'], context, EXTENSIONS).options.extensions.has('allow'));
});

test('extensions: validation failures and missing values are status-2 fatals', t => {
	t.deepEqual(fatalOf(parse(['-i', '--max-controllers', '0'], context, EXTENSIONS)), {
		status: 2,
		message: 'invalid --max-controllers "0"',
	});
	t.deepEqual(fatalOf(parse(['-i', '--allow'], context, EXTENSIONS)), {
		status: 2,
		message: CLI_MESSAGES.missingLong('allow'),
	});
	t.deepEqual(fatalOf(parse(['-iA'], context, EXTENSIONS)), { status: 2, message: CLI_MESSAGES.missingShort('A') });
	t.deepEqual(fatalOf(parse(['-i', '--allow', 'x'])), { status: 2, message: CLI_MESSAGES.unknownLong('--allow') });
	const guarded = parse(
		['--exit-guard', '1', '-i', '--max-controllers', 'x', '--max-controllers', '4'],
		context,
		EXTENSIONS,
	);
	t.is(guarded.stop, null);
	t.deepEqual(guarded.options.extensions.get('max-controllers'), ['4']);
	t.deepEqual(guarded.continuedFatals, ['invalid --max-controllers "x"']);
});

test('extensions: clashing names are programmer errors', t => {
	t.throws(() => parse(['-i'], context, [{ long: 'config', valueName: 'X', description: '' }]), {
		instanceOf: TypeError,
	});
	t.throws(() => parse(['-i'], context, [{ long: 'new', short: 'c', valueName: 'X', description: '' }]), {
		instanceOf: TypeError,
	});
	t.throws(() => parse(['-i'], context, [{ long: 'new', short: 'ab', valueName: 'X', description: '' }]), {
		instanceOf: TypeError,
	});
});

test('§13.11: help layout: fixed columns, §13.3 order, extensions last, final empty line', t => {
	const text = helpText('1.1.0', EXTENSIONS);
	const lines = text.split('\n');
	t.is(lines[0], 'daemonproxy version 1.1.0');
	t.is(lines[1], 'options:');
	t.true(text.endsWith('\n\n'));
	const body = lines.slice(2, -2);
	const longs = body.map(line => /--(\S+)/.exec(line)?.[1]);
	t.deepEqual(longs, [
		'config',
		'interactive',
		'socket',
		'daemonize',
		'exit-guard',
		'exit-exec',
		'fd-pool',
		'service-pool',
		'mlockall',
		'verbose',
		'quiet',
		'help',
		'version',
		'max-controllers',
		'allow',
	]);
	t.true((lines[2] ?? '').startsWith('  -c --config       FILENAME  '));
	for (const line of body.slice(0, 13)) {
		t.regex(line, /^ {2}(-[A-Za-z]| {2}) --/);
		t.is(line.charAt(19), ' ', line); // end of the 12-column long name
		t.is(line.slice(28, 30), '  ', line); // after the 8-column value name
		t.not(line.charAt(30), ' ', line); // the description
		t.true(line.length <= 80, line);
	}
	t.true(body.some(line => line.startsWith('     --exit-guard   INTEGER   ')));
	t.true(body.some(line => line.startsWith('  -i --interactive           ')));
	t.true(body.some(line => line.startsWith('  -A --allow        ROLE:WHO  ')));
	t.true(body.some(line => line.startsWith('     --max-controllers N         ')));
	t.is(helpText('1.1.0').split('\n').length, 2 + 13 + 2);
});

test('§13.11: version: the first line is stable, then build time, revision, copyright years and licence', t => {
	const build = {
		timestamp: 1_700_000_000,
		localTime: '2023-11-14 22:13:20',
		revision: 'a'.repeat(40),
		dirty: false,
		firstYear: 2024,
		lastYear: 2026,
	};
	const lines = versionText('1.1.0-ts.0', build).split('\n');
	t.is(lines[0], 'daemonproxy version 1.1.0-ts.0');
	t.is(lines[1], ' build timestamp: 1700000000 (2023-11-14 22:13:20)');
	t.is(lines[2], ` git HEAD: ${'a'.repeat(40)}`);
	t.true(lines.includes(' Copyright (C) 2024-2026 the daemonproxy authors'));
	t.true(lines.some(line => line.includes('GPL-2.0-or-later <https://www.gnu.org/licenses/')));
	t.is(lines.at(-1), '');
	t.true(versionText('1', { ...build, dirty: true }).includes(` git HEAD: ${'a'.repeat(40)} (dirty)\n`));
	t.true(versionText('1', { ...build, revision: null }).includes(' git HEAD: revision unknown\n'));
	t.true(versionText('1', { ...build, firstYear: 2026 }).includes(' Copyright (C) 2026 the daemonproxy authors\n'));
	t.true(versionText('1', null).includes(' git HEAD: revision unknown\n'));
});

test('-S may be given more than once: every listener, in order', t => {
	const result = parse(['-S', '/run/dp.sock', '-S', '@dp']);
	t.is(result.stop, null);
	t.deepEqual(result.options.sockets, ['/run/dp.sock', '@dp']);
});
