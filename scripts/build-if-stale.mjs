#!/usr/bin/env node
// `npm start`'s prestart: builds the server (`npm run build`) only when server/dist is missing or older than what it
// is compiled from, so that build_date and git_commit (/healthz, kask_build_info) say when and from which commit the
// code that runs was built, not when it last started. A clone installed without the compiler (`npm ci --omit=dev`)
// that has no current build is told what to run instead of failing with "tsc: not found".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// What `npm run build` writes last: its age is the build's.
const built = join(root, 'server/dist/build-info.json');
const sources = ['server/src', 'server/tsconfig.json', 'tsconfig.json'].map((path) => join(root, path));

/** The latest modification time of `path`, or of any file under it. */
function newest(path) {
  if (!existsSync(path)) return 0;
  if (!statSync(path).isDirectory()) return statSync(path).mtimeMs;
  return Math.max(0, ...readdirSync(path, { recursive: true }).map((name) => statSync(join(path, name)).mtimeMs));
}

function hasCompiler() {
  try {
    createRequire(import.meta.url).resolve('typescript/package.json');
    return true;
  } catch {
    return false;
  }
}

/** Why the server must be built before it starts, or undefined when server/dist is current. */
function staleness() {
  if (!existsSync(built)) return 'server/dist is missing';
  if (newest(built) < Math.max(...sources.map(newest))) return 'server/dist is older than server/src';
  return undefined;
}

const why = staleness();
if (why === undefined) process.exit(0);
if (!hasCompiler()) {
  process.stderr.write(
    `kask-ts: ${why}, and the TypeScript compiler is not installed (npm ci --omit=dev leaves it out). ` +
      'Build first: `npm ci && npm run build`; a later `npm ci --omit=dev` keeps the build.\n',
  );
  process.exit(1);
}
process.stderr.write(`kask-ts: ${why}: building it (npm run build)\n`);
process.exit(spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }).status ?? 1);
