import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { benchCompiled, repoRoot } from '../src/paths.js';
import { isRunning, processTree } from '../src/processes.js';

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

const runArguments = ['--connections', '8', '--keys', '200', '--duration', '60', '--warmup', '0', '--cassandra', 'off'];
const benchArguments = [...runArguments, '--workloads', 'mix', '--no-storage-ceilings'];

/** The directories a server's command line names (its configuration's, where node --cpu-prof writes) and its certificate's. */
function directoriesOf(line: readonly string[]): string[] {
  return line.flatMap((argument) => {
    const profiles = /^--cpu-prof-dir=(.+)$/.exec(argument);
    if (profiles !== null) return [profiles[1] as string];
    if (!argument.endsWith('.yaml')) return [];
    const certificate = (parse(readFileSync(argument, 'utf8')) as { tls?: { cert: string } }).tls?.cert;
    return [dirname(argument), ...(certificate === undefined ? [] : [dirname(certificate)])];
  });
}

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
  [
    'SIGTERM',
    'npm run profile',
    () =>
      spawn(process.execPath, [benchCompiled('profile/cli.ts'), ...runArguments, '--no-fastify'], {
        cwd: repoRoot,
        stdio: 'ignore',
      }),
  ],
  [
    'SIGINT',
    'npm run bench:access',
    () =>
      spawn(
        process.execPath,
        [benchCompiled('src/access.ts'), '--duration', '60', '--rounds', '1', '--connections', '8', '--keys', '200'],
        {
          cwd: repoRoot,
          stdio: 'ignore',
        },
      ),
  ],
] as const)(
  'a benchmark stopped by %s to %s stops its servers and wrk, and removes their directories, before it ends',
  async (signal, _receiver, start) => {
    const bench = start();
    const pid = bench.pid as number;
    let started: number[] = [];
    let directories: string[] = [];
    try {
      // Every process the benchmark started, once wrk drives kask-ts, and kask-ts's directories.
      const running = await vi.waitFor(
        () => {
          const tree = processTree(pid).slice(1);
          const lines = tree.map(commandLine);
          expect(lines.some((line) => line.some((argument) => argument.includes('127.0.0.1') && line[0]?.endsWith('wrk')))).toBe(
            true,
          );
          const named = [...new Set(lines.flatMap(directoriesOf))];
          expect(named).not.toEqual([]);
          return { tree, directories: named };
        },
        { timeout: 60_000, interval: 100 },
      );
      started = running.tree;
      directories = running.directories;
      expect(directories.filter((directory) => existsSync(directory))).toEqual(directories);
      bench.kill(signal);
      const [, ended] = await once(bench, 'exit');
      expect(ended).toBe(signal);
      expect(started.filter(isRunning)).toEqual([]);
      expect(directories.filter((directory) => existsSync(directory))).toEqual([]);
    } finally {
      // What a failed test left running, the benchmark first (it would start servers again).
      for (const member of [pid, ...started].filter(isRunning)) process.kill(member, 'SIGKILL');
      for (const directory of directories) rmSync(directory, { recursive: true, force: true });
    }
  },
  120_000,
);

it('an interruption whose undoing fails in one place still undoes the others, then ends by its signal', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'kask-bench-test-undo-'));
  try {
    const marker = join(directory, 'undone');
    const script = [
      `import { undoneOnInterruption } from ${JSON.stringify(benchCompiled('src/interruptions.ts'))};`,
      `import { writeFileSync } from 'node:fs';`,
      `undoneOnInterruption(() => writeFileSync(${JSON.stringify(marker)}, ''));`,
      `undoneOnInterruption(() => { throw new Error('cannot'); });`,
      'setInterval(() => {}, 1000);',
      "process.kill(process.pid, 'SIGTERM');",
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const [, ended] = await once(child, 'exit');
    expect(ended).toBe('SIGTERM');
    expect(existsSync(marker)).toBe(true);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

it('an interrupted benchmark kills a server that does not end within 20 s of its SIGTERM before it ends', async () => {
  const stubborn = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); process.stdout.write('ready');";
  const script = [
    `import { spawnNode } from ${JSON.stringify(benchCompiled('src/processes.ts'))};`,
    `const server = spawnNode(['-e', ${JSON.stringify(stubborn)}]);`,
    "server.child.stdout.once('data', () => { console.log(server.pid); process.kill(process.pid, 'SIGTERM'); });",
  ].join('\n');
  const bench = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  let server: number | undefined;
  bench.stdout.on('data', (chunk: Buffer) => {
    server = Number(chunk.toString().trim());
  });
  try {
    const [, ended] = await once(bench, 'exit');
    expect(ended).toBe('SIGTERM');
    expect(server).toBeGreaterThan(0);
    expect(isRunning(server as number)).toBe(false);
  } finally {
    if (server !== undefined && isRunning(server)) process.kill(server, 'SIGKILL');
  }
}, 60_000);
