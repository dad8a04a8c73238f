import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// NOTE: the bench imports test-support/, so tsc compiles it from the repository's root and mirrors the repository
// under bench/dist: this file runs as bench/src/paths.ts (vitest) or as bench/dist/bench/src/paths.js (npm run bench).
const tree = new URL('../../', import.meta.url);

/** The repository's root directory. */
export const repoRoot = fileURLToPath(tree.pathname.endsWith('/bench/dist/') ? new URL('../../', tree) : tree);

/** A file of the bench's own sources, e.g. `bench/src/session-load.lua`: the assets tsc does not copy. */
export function benchSource(path: string): string {
  return join(repoRoot, 'bench', path);
}

/** The compiled form of a bench script, e.g. `src/storage-ceiling.ts`: child processes run it with plain `node`. */
export function benchCompiled(path: string): string {
  return join(repoRoot, 'bench/dist/bench', path.replace(/\.ts$/, '.js'));
}
