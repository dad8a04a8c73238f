import { parseValues, positive, type RunOptions, runOptionsFrom, runOptionsUsage } from '../src/options.js';

/** What a profile run is told: the benchmark's run options, at one connection count and one worker count. */
export interface ProfileOptions extends RunOptions {
  readonly connections: number;
  readonly workers: number;
}

export const usage = `Usage: npm run profile -- [options]

CPU-profiles kask-ts on the embedded store, kask-ts on Cassandra (as --cassandra says) and the HTTP ceiling (a bare
fastify route answering the same bytes) under the mix, one after the other, with node --cpu-prof (start-up, key
loading and warm-up left out), and prints the CPU per request by category side by side, then the top functions.
The targets, workload and wrk are the benchmark's (npm run bench).

Options (environment variable in brackets):
  --connections N         wrk's connections                                                         (64)
  --workers N             server processes (kask-ts's workers)                                      (1)
${runOptionsUsage}`;

/** The options of `argv`, with the environment's KASK_BENCH_* variables as defaults for those the benchmark has too. */
export function parseProfileOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ProfileOptions | 'help' {
  const values = parseValues(argv, { connections: { type: 'string' }, workers: { type: 'string' } });
  if (values.help) return 'help';
  return {
    ...runOptionsFrom(values, env, { seconds: '5', warmupSeconds: '2', keys: '10000', cassandra: 'auto' }),
    connections: positive('--connections', (values.connections as string | undefined) ?? '64'),
    workers: positive('--workers', (values.workers as string | undefined) ?? '1'),
  };
}
