#!/usr/bin/env node
// NOTE: the npm registry reachable here does not serve every platform's build of some packages
// (@biomejs/cli-<platform>, @msgpackr-extract/msgpackr-extract-<platform>). `npm install` then leaves
// those optional dependencies out of package-lock.json, and `npm ci` refuses the lock as out of sync.
// This adds a lock entry (version, os, cpu, libc) for each missing platform package, so that `npm ci`
// accepts the lock and skips them as packages for another platform. Run it after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const platforms = {
  'android-arm64': { os: ['android'], cpu: ['arm64'] },
  'android-x64': { os: ['android'], cpu: ['x64'] },
  'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'linux-arm': { os: ['linux'], cpu: ['arm'] },
  'linux-arm64': { os: ['linux'], cpu: ['arm64'] },
  'linux-arm64-musl': { os: ['linux'], cpu: ['arm64'], libc: ['musl'] },
  'linux-x64': { os: ['linux'], cpu: ['x64'] },
  'linux-x64-musl': { os: ['linux'], cpu: ['x64'], libc: ['musl'] },
  'win32-arm64': { os: ['win32'], cpu: ['arm64'] },
  'win32-x64': { os: ['win32'], cpu: ['x64'] },
};

const added = [];
for (const [parentPath, parent] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(parent.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (key in lock.packages) continue;
    const platform = Object.keys(platforms).find((suffix) => name.endsWith(`-${suffix}`));
    if (platform === undefined) throw new Error(`${name} (optional for ${parentPath}) is missing and is no platform package`);
    lock.packages[key] = { version, optional: true, ...platforms[platform], ...(parent.dev ? { dev: true } : {}) };
    added.push(key);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length === 0 ? 'package-lock.json: complete' : `package-lock.json: added ${added.join(', ')}`);
