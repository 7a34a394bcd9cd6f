// The protocol's commands as typed methods (daemonproxy(8), COMMANDS), each one request built from
// its arguments. The transport (Client.command) is abstract here, so this file is only the
// mapping from method to fields and from reply lines to values.
// Must never validate what the daemon validates: its error texts are the contract.

import { parseWhoamiLine, type Whoami } from '../protocol/access-lines.js';
import { parseStatedumpEnd } from '../protocol/stream-lines.js';
import { parseTreeLine, type TreeLine } from '../protocol/tree-lines.js';
import type { Reply, RequestOptions } from './connection.js';
import { snapshotFromLines, type Snapshot } from './snapshot.js';
import { classifyLine } from './wire.js';

export type { TreeLine, Whoami };

export type CallOptions = Pick<RequestOptions, 'signal'>;

export interface Dump {
	readonly snapshot: Snapshot;
	/** The dump's lines as received (tags and `@SEQ` removed, terminator excluded). */
	readonly lines: readonly string[];
}

/** The lines of a statedump as a snapshot; the `statedump.end` terminator gives its `seq`. */
export function parseDump(lines: readonly string[]): Dump {
	const bodies: string[] = [];
	let seq: number | null = null;
	for (const line of lines) {
		const incoming = classifyLine(line);
		const end = parseStatedumpEnd(incoming.body, incoming.seq);
		if (end !== null) seq = end;
		else bodies.push(incoming.body);
	}
	const snapshot = snapshotFromLines(bodies);
	snapshot.seq = seq;
	return { snapshot, lines: bodies };
}

/** Reads the `conn.whoami` reply line; a field that is not what it should be is null. */
export function parseWhoami(lines: readonly string[]): Whoami {
	for (const line of lines) {
		const whoami = parseWhoamiLine(line);
		if (whoami !== null) return whoami;
	}
	return { conn: null, pid: null, uid: null, gid: null, role: null, fields: [] };
}

export abstract class TypedCommands {
	/** Sends one command; resolves with what it sent back, rejects with DaemonError. */
	abstract command(fields: readonly string[], options?: RequestOptions): Promise<Reply>;

	async #done(fields: readonly string[], options?: CallOptions): Promise<readonly string[]> {
		return (await this.command(fields, options)).lines;
	}

	/** The text comes back (nothing for an empty text); TABs in it are field separators. */
	echo(text: string, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['echo', ...text.split('\t')], options);
	}

	/** The whole state. */
	async statedump(options?: CallOptions): Promise<Dump> {
		return parseDump((await this.command(['statedump'], options)).lines);
	}

	serviceArgs(name: string, args: readonly string[], options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['service.args', name, ...args], options);
	}

	/** Resolves with the warnings (`warning: fd "x" is not yet defined`) it produced. */
	serviceFds(name: string, fds: readonly string[], options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['service.fds', name, ...fds], options);
	}

	serviceTags(name: string, tags: readonly string[], options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['service.tags', name, ...tags], options);
	}

	/** Interval in seconds, or '-' to keep it; no triggers turns automatic starts off. */
	serviceAutoUp(
		name: string,
		interval: number | '-',
		triggers: readonly string[],
		options?: CallOptions,
	): Promise<readonly string[]> {
		return this.#done(['service.auto_up', name, String(interval), ...triggers], options);
	}

	/** Start now, at a monotonic time `at` (seconds), or cancel a pending start with '-'. */
	serviceStart(name: string, options: CallOptions & { at?: number | '-' } = {}): Promise<readonly string[]> {
		const when = options.at === undefined ? [] : [String(options.at)];
		return this.#done(['service.start', name, ...when], options);
	}

	/** `signal` is a name (`TERM`, `SIGTERM`) or a number; `group` signals the process group. */
	serviceSignal(
		name: string,
		signal: string | number,
		options: CallOptions & { group?: boolean } = {},
	): Promise<readonly string[]> {
		return this.#done(['service.signal', name, String(signal), ...(options.group ? ['group'] : [])], options);
	}

	/**
	 * Holds the services down (no automatic starts until serviceStart) and sends `stopSignal`
	 * (default TERM); SIGKILL follows after `grace` seconds (default 10; null: never). Every name
	 * must exist.
	 */
	serviceStop(
		names: readonly string[],
		options: CallOptions & { grace?: number | null; stopSignal?: string | number } = {},
	): Promise<readonly string[]> {
		const grace = options.grace === undefined ? [] : [options.grace === null ? '-' : String(options.grace)];
		const signal = options.stopSignal === undefined ? [] : [`signal=${String(options.stopSignal)}`];
		return this.#done(['service.stop', ...names, ...grace, ...signal], options);
	}

	/** Automatic starts as configured by service.auto_up apply again. */
	serviceEnable(names: readonly string[], options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['service.enable', ...names], options);
	}

	/** No automatic starts; a running process keeps running. */
	serviceDisable(names: readonly string[], options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['service.disable', ...names], options);
	}

	serviceDelete(name: string, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['service.delete', name], options);
	}

	fdPipe(
		readName: string,
		writeName: string,
		flags: readonly string[] = [],
		options?: CallOptions,
	): Promise<readonly string[]> {
		return this.#done(['fd.pipe', readName, writeName, ...(flags.length > 0 ? [flags.join(',')] : [])], options);
	}

	fdOpen(name: string, flags: readonly string[], path: string, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['fd.open', name, flags.join(','), path], options);
	}

	fdSocket(
		name: string,
		flags: readonly string[],
		address?: string,
		options?: CallOptions,
	): Promise<readonly string[]> {
		return this.#done(['fd.socket', name, flags.join(','), ...(address === undefined ? [] : [address])], options);
	}

	fdDelete(name: string, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['fd.delete', name], options);
	}

	chdir(path: string, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['chdir', path], options);
	}

	/** Sets (or with no level, reads) the log filter; resolves with the level now in force. */
	async logFilter(level?: string, options?: CallOptions): Promise<string> {
		const lines = await this.#done(level === undefined ? ['log.filter'] : ['log.filter', level], options);
		const reply = lines.find(l => l.startsWith('log.filter\t')) ?? '';
		return reply.slice('log.filter\t'.length);
	}

	logDest(handle: string, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['log.dest', 'fd', handle], options);
	}

	connEventTimeout(resetSeconds: number, closeSeconds: number, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['conn.event_timeout', String(resetSeconds), String(closeSeconds)], options);
	}

	signalClear(signal: string | number, count: number, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['signal.clear', String(signal), String(count)], options);
	}

	terminateExecArgs(args: readonly string[], options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['terminate.exec_args', ...args], options);
	}

	terminateGuard(enable: boolean, code: bigint | number, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['terminate.guard', enable ? '+' : '-', String(code)], options);
	}

	/** The daemon exits; resolves once it has (or has accepted the command). */
	async terminate(exitCode: number, guardCode?: bigint | number, options?: CallOptions): Promise<void> {
		const fields = ['terminate', String(exitCode), ...(guardCode === undefined ? [] : [String(guardCode)])];
		await this.command(fields, { ...options, closeIsSuccess: true });
	}

	socketCreate(path: string, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['socket.create', '-', path], options);
	}

	socketDelete(options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['socket.delete'], options);
	}

	/** `service.user NAME [USER[:GROUP]]`: no user = the daemon's credentials again. */
	serviceUser(name: string, user?: string, options?: CallOptions): Promise<readonly string[]> {
		return this.#done(['service.user', name, ...(user === undefined ? [] : [user])], options);
	}

	/** `service.leftovers NAME leave|stop [GRACE_SECONDS]`. */
	serviceLeftovers(
		name: string,
		policy: 'leave' | 'stop',
		options: CallOptions & { graceSeconds?: number } = {},
	): Promise<readonly string[]> {
		const grace = options.graceSeconds === undefined ? [] : [String(options.graceSeconds)];
		return this.#done(['service.leftovers', name, policy, ...grace], options);
	}

	/** `service.tree [NAME…]`: each service's live processes, cgroup, CPU time and memory. */
	async serviceTree(names: readonly string[] = [], options?: CallOptions): Promise<Map<string, TreeLine>> {
		const trees = new Map<string, TreeLine>();
		for (const line of await this.#done(['service.tree', ...names], options)) {
			const tree = parseTreeLine(line);
			if (tree) trees.set(tree.name, tree);
		}
		return trees;
	}

	/** `conn.whoami`: this connection's peer credentials and role. */
	async whoami(options?: CallOptions): Promise<Whoami> {
		return parseWhoami(await this.#done(['conn.whoami'], options));
	}
}
