import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { repoRoot } from '../src/paths.js';

// The benchmark's child processes (the storage ceiling) run bench/dist: compile it from the sources under test.
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'bench/tsconfig.json'], { cwd: repoRoot, stdio: 'inherit', timeout: 110_000 });
}
