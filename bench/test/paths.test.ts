import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { benchCompiled, benchSource, repoRoot } from '../src/paths.js';

// The global setup has compiled bench/ into bench/dist, as `npm run bench` does.
describe('the bench paths', () => {
  it('find the repository root from the sources and from the compiled bench alike', async () => {
    expect(existsSync(join(repoRoot, 'package.json'))).toBe(true);
    expect(existsSync(join(repoRoot, 'bench/tsconfig.json'))).toBe(true);
    const compiled = (await import(pathToFileURL(benchCompiled('src/paths.ts')).href)) as typeof import('../src/paths.js');
    expect(compiled.repoRoot).toBe(repoRoot);
  });

  it('name the compiled scripts child processes run, and the assets tsc leaves in the sources', () => {
    expect(existsSync(benchCompiled('src/storage-ceiling.ts'))).toBe(true);
    expect(existsSync(benchCompiled('profile/cli.ts'))).toBe(true);
    for (const asset of ['src/session-load.lua', 'src/ceiling-server.mjs', 'install-wrk.sh'])
      expect(existsSync(benchSource(asset))).toBe(true);
  });
});
