import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { expect, it, vi } from 'vitest';
import { benchCompiled, repoRoot } from '../src/paths.js';
import { processTree } from '../src/processes.js';

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** Whether `pid` runs (a zombie, exited but not yet reaped, does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

// Needs `npm run build` (server/dist), as the smoke test does.
it.each(['SIGTERM', 'SIGINT'] as const)(
  'a benchmark stopped by %s stops its servers and wrk and removes their directories before it ends',
  async (signal) => {
    const bench = spawn(
      process.execPath,
      [
        benchCompiled('src/cli.ts'),
        ...['--workloads', 'mix', '--connections', '8', '--keys', '200', '--duration', '60', '--warmup', '0'],
        ...['--cassandra', 'off', '--no-storage-ceilings'],
      ],
      { cwd: repoRoot, stdio: 'ignore' },
    );
    const pid = bench.pid as number;
    try {
      // Every process the benchmark started, once wrk drives kask-ts, and kask-ts's directory (its configuration's).
      const { started, directory } = await vi.waitFor(
        () => {
          const tree = processTree(pid).slice(1);
          const lines = tree.map(commandLine);
          expect(lines.some((line) => line.some((argument) => argument.includes('127.0.0.1') && line[0]?.endsWith('wrk')))).toBe(
            true,
          );
          const config = lines.flat().find((argument) => argument.endsWith('/config.yaml'));
          expect(config).toBeDefined();
          return { started: tree, directory: (config as string).slice(0, -'/config.yaml'.length) };
        },
        { timeout: 60_000, interval: 100 },
      );
      expect(existsSync(directory)).toBe(true);
      bench.kill(signal);
      const [, ended] = await once(bench, 'exit');
      expect(ended).toBe(signal);
      // A server drains before it exits (up to 15 s for kask-ts); wrk is killed at once.
      await vi.waitFor(() => expect(started.filter(alive)).toEqual([]), { timeout: 20_000, interval: 100 });
      expect(existsSync(directory)).toBe(false);
    } finally {
      bench.kill('SIGKILL');
    }
  },
  120_000,
);
