import { spawn } from 'node:child_process';
import { undoneOnInterruption } from './interruptions.js';
import { processTree } from './processes.js';

// CPU time per request swings by a fifth between identical runs on a shared 2-core machine (other work,
// frequency, cache misses); the instructions a process retires per request do not (measured: 124.1k and 122.2k
// in two runs whose CPU time per request was 202 and 181 µs). The benchmark prints both.

/** Counts what `pid` and its children retire until `stop()`: user-space and kernel instructions, with `perf stat`. */
export function countInstructions(pid: number): { stop(): Promise<number | undefined> } {
  const pids = processTree(pid).join(',');
  const perf = spawn('perf', ['stat', '-x', ',', '-e', 'instructions:u,instructions:k', '-p', pids], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  perf.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  // An interrupted benchmark ends perf at once, as it ends wrk, rather than leaving it to watch the servers' ending.
  const forget = undoneOnInterruption(() => perf.kill('SIGKILL'));
  const exited = new Promise<void>((resolve) => {
    perf.on('close', () => {
      forget();
      resolve();
    });
    // perf is not installed, or may not watch these processes (kernel.perf_event_paranoid): no figure.
    perf.on('error', () => resolve());
  });
  return {
    async stop() {
      perf.kill('SIGINT');
      await exited;
      return instructionsIn(output);
    },
  };
}

/** The sum of the counts in `perf stat -x ,` output, or `undefined` when a count is missing or not supported. */
export function instructionsIn(output: string): number | undefined {
  const counts = output
    .split('\n')
    .filter((line) => line.includes(',instructions:'))
    .map((line) => Number(line.split(',')[0]));
  if (counts.length !== 2 || counts.some((count) => !Number.isFinite(count))) return undefined;
  return counts.reduce((sum, count) => sum + count, 0);
}
