import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
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

const benchArguments = [
  ...['--workloads', 'mix', '--connections', '8', '--keys', '200', '--duration', '60', '--warmup', '0'],
  ...['--cassandra', 'off', '--no-storage-ceilings'],
];

// `npm run bench` runs its script with `sh -c`; the build steps before the benchmark (npm run build, tsc) answer at
// once here, as rebuilding server/dist and bench/dist would change them under the other tests of this project.
const noBuild = mkdtempSync(join(tmpdir(), 'kask-bench-test-bin-'));
for (const step of ['npm', 'tsc']) {
  writeFileSync(join(noBuild, step), '#!/bin/sh\nexit 0\n');
  chmodSync(join(noBuild, step), 0o755);
}
afterAll(() => rmSync(noBuild, { recursive: true, force: true }));

function benchScript(): ChildProcess {
  const script = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { bench: string } }).scripts
    .bench;
  return spawn('sh', ['-c', [script, ...benchArguments].join(' ')], {
    cwd: repoRoot,
    stdio: 'ignore',
    env: { ...process.env, PATH: `${noBuild}:${process.env.PATH}` },
  });
}

// Needs `npm run build` (server/dist), as the smoke test does.
it.each([
  [
    'SIGTERM',
    'the benchmark',
    () => spawn(process.execPath, [benchCompiled('src/cli.ts'), ...benchArguments], { cwd: repoRoot, stdio: 'ignore' }),
  ],
  [
    'SIGINT',
    'the benchmark',
    () => spawn(process.execPath, [benchCompiled('src/cli.ts'), ...benchArguments], { cwd: repoRoot, stdio: 'ignore' }),
  ],
  // npm passes a SIGTERM on to the shell of its script (`kill <npm's pid>`), which must pass it on to the benchmark.
  ['SIGTERM', "npm run bench's shell", benchScript],
] as const)(
  'a benchmark stopped by %s to %s stops its servers and wrk and removes their directories before it ends',
  async (signal, _receiver, start) => {
    const bench = start();
    const pid = bench.pid as number;
    let started: number[] = [];
    let directory: string | undefined;
    try {
      // Every process the benchmark started, once wrk drives kask-ts, and kask-ts's directory (its configuration's).
      const running = await vi.waitFor(
        () => {
          const tree = processTree(pid).slice(1);
          const lines = tree.map(commandLine);
          expect(lines.some((line) => line.some((argument) => argument.includes('127.0.0.1') && line[0]?.endsWith('wrk')))).toBe(
            true,
          );
          const config = lines.flat().find((argument) => argument.endsWith('/config.yaml'));
          expect(config).toBeDefined();
          return { tree, directory: (config as string).slice(0, -'/config.yaml'.length) };
        },
        { timeout: 60_000, interval: 100 },
      );
      started = running.tree;
      directory = running.directory;
      expect(existsSync(directory)).toBe(true);
      bench.kill(signal);
      const [, ended] = await once(bench, 'exit');
      expect(ended).toBe(signal);
      // A server drains before it exits (up to 15 s for kask-ts); wrk is killed at once.
      await vi.waitFor(() => expect(started.filter(alive)).toEqual([]), { timeout: 20_000, interval: 100 });
      expect(existsSync(directory)).toBe(false);
    } finally {
      // What a failed test left running, the benchmark first (it would start servers again).
      for (const member of [pid, ...started].filter(alive)) process.kill(member, 'SIGKILL');
      if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    }
  },
  120_000,
);
