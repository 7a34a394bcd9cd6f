// The daemon killed with SIGKILL while services run (daemonproxy(8), RUNNING AS INIT). As process 1
// of a PID namespace (the container case) the kernel ends every service with it, so a restarted
// daemon starts each exactly once. Outside a namespace the services outlive it as orphans that a
// new daemon cannot know (they are not its children: no exit status, no signal ownership, pids
// reused); the documented remedy is a lock the service holds (flock), which keeps a duplicate out.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { descendants, killProcessTree, pollUntil, startDaemon, tempDir } from './helpers/daemon.js';
import { canUnshare, procStat, startAsPid1 } from './init-support.js';

function config(marker: string): string {
	return ['a', 'b', 'c']
		.map(name => `service.args\t${name}\t/bin/sleep\t${marker}\nservice.auto_up\t${name}\t1\talways\n`)
		.join('');
}

/** Pids of live processes whose command line is `sleep MARKER`. */
function sleepers(marker: string, under: number): number[] {
	return descendants(under).filter(pid => {
		try {
			return (
				readFileSync(`/proc/${pid}/cmdline`, 'latin1') === `/bin/sleep\0${marker}\0` && procStat(pid)?.state !== 'Z'
			);
		} catch {
			return false;
		}
	});
}

/** sleepers() once it finds `count` (or, at the deadline, whatever it finds). */
async function settled(marker: string, under: number, count: number): Promise<number[]> {
	return pollUntil(
		() => (sleepers(marker, under).length === count ? sleepers(marker, under) : undefined),
		"the services' command lines",
	).catch(() => sleepers(marker, under));
}

function describeTree(root: number): string {
	return descendants(root)
		.map(pid => {
			let cmdline = '?';
			try {
				cmdline = JSON.stringify(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
			} catch {
				// gone
			}
			return `${pid} ppid ${procStat(pid)?.ppid} ${procStat(pid)?.state} ${cmdline}`;
		})
		.join('\n');
}

(canUnshare() ? test : test.skip)(
	'as process 1, SIGKILL ends the namespace with every service; a restarted daemon starts each once',
	async t => {
		const dir = await tempDir(t);
		const marker = `${300 + (process.pid % 100)}`;
		const conf = join(dir, 'services.conf');
		writeFileSync(conf, config(marker));
		const first = await startAsPid1(t, ['-c', conf]);
		for (const name of ['a', 'b', 'c']) await first.d.stdout.waitFor(new RegExp(`^service\\.state\\t${name}\\tup\\t`));
		// `up` is sent once exec has passed its point of no return; the new command line shows a
		// moment later (the kernel wakes a vfork parent before it sets up the new argv).
		const services = await settled(marker, first.hostPid, 3);
		if (services.length !== 3) t.log(describeTree(first.hostPid));
		t.is(services.length, 3);
		process.kill(first.hostPid, 'SIGKILL');
		await pollUntil(
			() => (services.every(pid => procStat(pid) === undefined || procStat(pid)?.state === 'Z') ? true : undefined),
			"the kernel ends the namespace's processes",
		);
		const second = await startAsPid1(t, ['-c', conf]);
		for (const name of ['a', 'b', 'c']) await second.d.stdout.waitFor(new RegExp(`^service\\.state\\t${name}\\tup\\t`));
		const found = await settled(marker, second.hostPid, 3);
		if (found.length !== 3) {
			t.log(describeTree(second.hostPid));
			t.log(second.d.stdout.seen.join('\n'));
		}
		t.is(found.length, 3, 'one instance of each service');
	},
);

test('outside a namespace the services outlive a SIGKILL; a service holding a lock keeps its duplicate out', async t => {
	const dir = await tempDir(t);
	const lock = join(dir, 'svc.lock');
	// flock -n: the second instance exits 1 at once while the first holds the lock.
	const line = `service.args\tlocked\t/usr/bin/flock\t-n\t${lock}\t/bin/sleep\t30`;
	const first = await startDaemon(t, []);
	first.send(line);
	first.send('service.start\tlocked');
	const pid = Number((await first.stdout.waitFor(/^service\.state\tlocked\tup\t/)).split('\t')[4]);
	t.teardown(() => killProcessTree(pid));
	process.kill(first.pid, 'SIGKILL');
	await first.proc;
	await pollUntil(() => (procStat(pid)?.ppid !== first.pid ? true : undefined), 'the service reparented');
	t.not(procStat(pid), undefined, 'the service survived the daemon');

	const second = await startDaemon(t, []);
	second.send(line);
	second.send('service.start\tlocked');
	await second.stdout.waitFor(/^service\.state\tlocked\tdown\t\d+\t\d+\texit\t1\t/);
	t.not(procStat(pid), undefined, 'the original instance still runs, alone');
});
