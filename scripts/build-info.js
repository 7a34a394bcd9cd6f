#!/usr/bin/env node
// Records what `daemonproxy --version` says about the build (daemonproxy(8), --version):
// build/src/build-info.json with the build time (SOURCE_DATE_EPOCH when set, for reproducible
// builds) and as local time, the git revision and whether the tree had changes, and the years of the copyright.
// Without git or a .git directory (a tarball) the revision is null, printed as `revision unknown`:
// never a guess. Generated at every `npm run build`; never committed (build/ is not).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

/** The command's output, trimmed; null when git is missing or this is not a work tree. */
function git(...args) {
	try {
		return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
	} catch {
		return null;
	}
}

const epoch = Number(process.env.SOURCE_DATE_EPOCH);
const timestamp = Number.isInteger(epoch) && epoch > 0 ? epoch : Math.floor(Date.now() / 1000);
const revision = git('rev-parse', '--verify', 'HEAD');
const validRevision = revision !== null && /^[0-9a-f]{40}$/.test(revision) ? revision : null;
const dirty = validRevision !== null && (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '';
const firstYear = Number((git('log', '--reverse', '--format=%ad', '--date=format:%Y') ?? '').split('\n')[0]);
const buildYear = new Date(timestamp * 1000).getUTCFullYear();
const date = new Date(timestamp * 1000);
const pad = n => String(n).padStart(2, '0');
const localTime =
	`${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
	`${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
const info = {
	timestamp,
	localTime,
	revision: validRevision,
	dirty,
	firstYear: Number.isInteger(firstYear) && firstYear > 1970 && firstYear <= buildYear ? firstYear : buildYear,
	lastYear: buildYear,
};
mkdirSync('build/src', { recursive: true });
writeFileSync('build/src/build-info.json', `${JSON.stringify(info)}\n`);
