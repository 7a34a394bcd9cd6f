// dpctl's interactive console on a real terminal (tmux): the prompt, a command's output, tab
// completion of verbs and service names, live events printed above a half-typed line without
// breaking it, control bytes from the wire shown escaped, and history kept between sessions.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import {
	dpctlBin,
	fixture,
	killProcessTree,
	pollUntil,
	SocketClient,
	startDaemon,
	watchPath,
} from './helpers/daemon.js';
import { dpctl, startSocketDaemon } from './dpctl-helpers.js';

class Tmux {
	readonly #socket: string;

	constructor(socket: string) {
		this.#socket = socket;
	}

	/** A tmux server of its own (socket DIR/NAME) running `command` in a 120×40 terminal. */
	static async start(
		t: ExecutionContext,
		dir: string,
		name: string,
		command: string[],
		env: Record<string, string>,
	): Promise<Tmux> {
		const tmux = new Tmux(join(dir, name));
		t.teardown(() => execa('tmux', ['-S', tmux.#socket, 'kill-server'], { reject: false }).then(() => undefined));
		const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
		await execa('tmux', [
			'-S',
			tmux.#socket,
			'-f',
			'/dev/null',
			'new-session',
			'-d',
			'-x',
			'120',
			'-y',
			'40',
			'env',
			...envArgs,
			...command,
		]);
		return tmux;
	}

	/** tmux key names (Enter, Tab, Up, C-d) or literal text with -l. */
	async keys(...keys: string[]): Promise<void> {
		await execa('tmux', ['-S', this.#socket, 'send-keys', ...keys]);
	}

	async type(text: string): Promise<void> {
		await execa('tmux', ['-S', this.#socket, 'send-keys', '-l', text]);
	}

	async lines(): Promise<string[]> {
		const { stdout } = await execa('tmux', ['-S', this.#socket, 'capture-pane', '-p'], { reject: false });
		return String(stdout)
			.split('\n')
			.map(l => l.trimEnd())
			.filter((l, i, all) => l !== '' || all.slice(i).some(x => x !== ''));
	}

	/**
	 * Polls the screen until `predicate` holds; the error shows the screen. A terminal's screen
	 * announces no change to a test (only a tmux client attached to it would see output, and one
	 * would resize the pane), so this is one of the few waits that poll.
	 */
	async until(what: string, predicate: (lines: string[]) => boolean): Promise<string[]> {
		let last: string[] = [];
		return pollUntil(
			async () => {
				last = await this.lines();
				return predicate(last) ? last : undefined;
			},
			() => `${what}; the screen:\n${last.join('\n')}`,
		);
	}
}

const lastLine = (lines: string[]): string => lines.at(-1) ?? '';

test('the console: prompt, output, completion, live events above the line, escapes, history', async t => {
	const { socket, dir } = await startSocketDaemon(t);
	await dpctl(socket, ['service.args', 'web', fixture('sleep-forever.sh')]);
	await dpctl(socket, ['service.args', 'worker', fixture('sleep-forever.sh')]);
	const history = join(dir, 'history');
	const env = { DAEMONPROXY_SOCKET: socket, DPCTL_HISTORY: history, TERM: 'xterm' };
	const console1 = await Tmux.start(t, dir, 'tmux1', [process.execPath, dpctlBin], env);
	await console1.until('the prompt', l => lastLine(l) === 'dpctl>' && l.some(x => x.includes('2 services')));

	// A command and its table.
	await console1.type('status');
	await console1.keys('Enter');
	await console1.until(
		'the status table',
		l => l.some(x => /^NAME\s+STATE\s+PID/.test(x)) && l.some(x => /^worker\s+down/.test(x)),
	);

	// Completion: the verb, then the service name (two candidates, then one).
	await console1.type('service.sta');
	await console1.keys('Tab');
	await console1.until('the verb completed', l => lastLine(l) === 'dpctl> service.start');
	await console1.type(' we');
	await console1.keys('Tab');
	await console1.until('the name completed', l => lastLine(l) === 'dpctl> service.start web');
	await console1.keys('Enter');
	await console1.until('the live up event', l => l.some(x => /\d\d:\d\d:\d\d {2}web up pid \d+/.test(x)));

	// An event arriving while a line is half typed: printed above, the line kept as it was.
	await console1.type('echo hel');
	const raw = await SocketClient.connect(socket);
	t.teardown(() => raw.close());
	raw.send('service.tags\tworker\t\x1b[2Jboom\x07'); // control bytes, straight from the wire
	const screen = await console1.until('the event above the line', l => l.some(x => x.includes('worker tags')));
	t.is(lastLine(screen), 'dpctl> echo hel');
	t.true(
		screen.some(x => x.includes('worker tags \\x1b[2Jboom\\x07')),
		'escaped, not interpreted',
	);
	await console1.type('lo');
	await console1.keys('Enter');
	await console1.until('the echo', l => l.includes('hello'));

	// Errors are shown and the console goes on.
	await console1.type('service.start ghost');
	await console1.keys('Enter');
	await console1.until('the error', l => l.some(x => x === 'dpctl: error: No such service (service.start ghost)'));
	await console1.type('help service.signal');
	await console1.keys('Enter');
	await console1.until('help', l => l.some(x => x.startsWith('service.signal NAME SIGNAL')));
	await console1.type('quit');
	await console1.keys('Enter');
	await watchPath(
		history,
		async () => ((await readFile(history, 'utf8').catch(() => '')).includes('quit') ? true : undefined),
		'history written',
	);
	const saved = (await readFile(history, 'utf8')).trim().split('\n');
	t.deepEqual(saved, [
		'status',
		'service.start web',
		'echo hello',
		'service.start ghost',
		'help service.signal',
		'quit',
	]);

	// A new session offers the old lines again.
	const console2 = await Tmux.start(t, dir, 'tmux2', [process.execPath, dpctlBin], env);
	await console2.until('the prompt again', l => lastLine(l) === 'dpctl>');
	await console2.keys('Up', 'Up');
	await console2.until('history recalled', l => lastLine(l) === 'dpctl> help service.signal');
	await console2.keys('C-u', 'C-d');
});

test('dpctl console: whoami with the connection number; the daemon lost and found again', async t => {
	const { socket, dir, daemon } = await startSocketDaemon(t);
	const env = { DAEMONPROXY_SOCKET: socket, DPCTL_HISTORY: join(dir, 'history'), TERM: 'xterm' };
	const tmux = await Tmux.start(t, dir, 'tmux3', [process.execPath, dpctlBin, 'console'], env);
	await tmux.until('the prompt', l => lastLine(l) === 'dpctl>');
	await tmux.type('whoami');
	await tmux.keys('Enter');
	await tmux.until('whoami on a terminal', l =>
		l.some(x => /^conn \d+ {2}pid \d+ {2}uid 0 {2}gid 0 {2}role admin$/.test(x)),
	);

	killProcessTree(daemon.pid);
	await daemon.proc;
	await tmux.until('the loss said', l => l.some(x => x.startsWith(`-- lost the daemon at ${socket}`)));
	await startDaemon(t, ['-S', socket], { interactive: false });
	const back = await tmux.until('the return said', l => l.some(x => x === `-- reconnected to ${socket} --`));
	t.is(lastLine(back), 'dpctl>', 'the prompt redrawn below');
	await tmux.keys('C-d');
});
