#!/usr/bin/env node
// Records when, where and from which commit the server was compiled, as Kask's build does, for /healthz and
// kask_build_info: once, at build (`npm run build`, `npm pack`'s prepack), never at start.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function git(...args) {
  return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** The commit checked out, `-modified` when tracked files differ from it; `unknown` outside a git checkout. */
function gitCommit() {
  try {
    const commit = git('rev-parse', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? commit : `${commit}-modified`;
  } catch {
    return 'unknown';
  }
}

const info = {
  build_date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  build_host: hostname(),
  git_commit: gitCommit(),
};
writeFileSync(new URL('../server/dist/build-info.json', import.meta.url), `${JSON.stringify(info)}\n`);
