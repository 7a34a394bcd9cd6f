// The ready-made files of examples/ for containers and hosts (README, Containers and hosts): the
// container config runs and stops on SIGTERM with status 0; the systemd unit passes
// `systemd-analyze verify`; the Dockerfile and the pod manifest use the options and probes the
// daemon has.

import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { daemonBin, DEFAULT_TIMEOUT_MS, repoRoot, startDaemon, tempDir } from './helpers/daemon.js';
import { received } from './init-support.js';

const examples = join(repoRoot, 'examples');

test('examples/container/daemonproxy.conf: web and ticker run; SIGTERM stops both, exit 0', async t => {
	const d = await startDaemon(t, [
		'-c',
		join(examples, 'container', 'daemonproxy.conf'),
		'--shutdown-on',
		'TERM',
		'--stop-timeout',
		'5',
	]);
	await received(d.stdout, /^service\.state\tweb\tup\t/);
	await received(d.stdout, /^service\.state\tticker\tup\t/);
	process.kill(d.pid, 'SIGTERM');
	t.is((await d.proc).exitCode, 0);
	t.true(d.stderr.seen.includes('info: shutdown complete: exit status 0'));
});

test('examples/systemd/daemonproxy.service passes systemd-analyze verify', async t => {
	const dir = await tempDir(t);
	const unit = await readFile(join(examples, 'systemd', 'daemonproxy.service'), 'utf8');
	t.regex(unit, /^Type=notify$/m);
	t.regex(unit, /^KillMode=mixed$/m);
	t.regex(unit, /^ExecStart=\/usr\/local\/bin\/daemonproxy --shutdown-on TERM /m);
	// verify checks that ExecStart's program exists and that Documentation= pages are installed.
	await writeFile(join(dir, 'daemonproxy.service'), unit.replace('/usr/local/bin/daemonproxy', daemonBin));
	for (const [section, page] of [
		['man8', 'daemonproxy.8'],
		['man1', 'dpctl.1'],
	] as const) {
		await mkdir(join(dir, 'man', section), { recursive: true });
		await copyFile(join(repoRoot, 'man', page), join(dir, 'man', section, page));
	}
	const result = await execa('systemd-analyze', ['verify', join(dir, 'daemonproxy.service')], {
		reject: false,
		env: { MANPATH: join(dir, 'man') },
		timeout: DEFAULT_TIMEOUT_MS,
	});
	t.is(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
	t.is(result.stderr.trim(), '');
});

test('the Dockerfile and the pod manifest use options the daemon accepts and the probes it serves', async t => {
	const dockerfile = await readFile(join(examples, 'container', 'Dockerfile'), 'utf8');
	t.regex(dockerfile, /^FROM node:20-slim/m);
	const entrypoint = /^ENTRYPOINT (\[[^\]]*\])/ms.exec(dockerfile.replaceAll('\\\n', ''))?.[1];
	t.truthy(entrypoint);
	const argv = JSON.parse(entrypoint ?? '[]') as string[];
	t.is(argv[0], 'daemonproxy');
	t.true(argv.includes('--shutdown-on'));
	// The daemon takes these options: run it with them (less the files of the image), then end it.
	const options = argv
		.slice(1)
		.filter((arg, i, all) => !['-c', '-S'].includes(arg) && !['-c', '-S'].includes(all[i - 1] ?? ''));
	const check = await execa(daemonBin, [...options.map(arg => arg.replace('0.0.0.0:8081', '127.0.0.1:0')), '-i'], {
		input: 'terminate\t0\n',
		reject: false,
		timeout: DEFAULT_TIMEOUT_MS,
	});
	t.is(check.exitCode, 0, check.stderr);
	const pod = await readFile(join(examples, 'kubernetes', 'pod.yaml'), 'utf8');
	t.regex(pod, /path: \/livez/);
	t.regex(pod, /path: \/readyz/);
	t.true(argv.join(' ').includes('--health-listen 0.0.0.0:8081') && /containerPort: 8081/.test(pod));
});
