import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { benchCompiled, repoRoot } from '../src/paths.js';

// Needs `npm run build` (server/dist), as the smoke test does.
it('npm run profile keeps the CPU profiles its report names', async () => {
  const run = ['--duration', '1', '--warmup', '0', '--keys', '200', '--connections', '8', '--cassandra', 'off', '--no-fastify'];
  const { stdout } = await promisify(execFile)(process.execPath, [benchCompiled('profile/cli.ts'), ...run], {
    cwd: repoRoot,
    timeout: 110_000,
  });
  const files = [...stdout.matchAll(/Profiles: (.+)$/gm)].flatMap((line) => (line[1] as string).split(', '));
  try {
    expect(files).not.toEqual([]);
    expect(files.filter((file) => !existsSync(file))).toEqual([]);
  } finally {
    for (const directory of new Set(files.map((file) => dirname(file)))) rmSync(directory, { recursive: true, force: true });
  }
}, 120_000);
