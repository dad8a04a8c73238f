import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cassandraAnswers, ensureBenchSchema } from '../src/cassandra.js';
import { populate } from '../src/populate.js';
import { fastifyCeiling, type HttpTarget, kaskTarget } from '../src/targets.js';
import { temporaryDirectory } from '../src/temporary-directory.js';
import { workloadNamed } from '../src/workloads.js';
import { ensureWrk, runWrk, type WrkResult } from '../src/wrk.js';
import type { ProfileOptions } from './options.js';
import { type ProfiledRun, renderProfile } from './report.js';
import { summarizeProfiles } from './summary.js';

const monotonicMicroseconds = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Runs `target` under `node --cpu-prof`, and summarises the samples of the measured run only. The profiles stay
 * where the report names them (to open in a profiler); a run that fails or is interrupted names none, and removes them.
 */
async function profileTarget(
  makeTarget: (nodeOptions: readonly string[]) => HttpTarget,
  options: ProfileOptions,
): Promise<ProfiledRun> {
  const directory = temporaryDirectory('kask-bench-profile-');
  try {
    return await profileInto(directory.path, makeTarget(['--cpu-prof', `--cpu-prof-dir=${directory.path}`]), options);
  } catch (error) {
    directory.remove();
    throw error;
  }
}

/** Runs `target`, which writes its CPU profiles into `directory` when it stops, and summarises them. */
async function profileInto(directory: string, target: HttpTarget, options: ProfileOptions): Promise<ProfiledRun> {
  const workload = workloadNamed('mix');
  const server = await target.start(workload, options.workers);
  const run = { ...server, workload, keys: options.keys, connections: options.connections, threads: options.wrkThreads };
  let result: WrkResult;
  const window = { start: 0, end: 0 };
  try {
    await populate(server, workload, options.keys);
    if (options.warmupSeconds > 0) await runWrk({ ...run, seconds: options.warmupSeconds });
    window.start = monotonicMicroseconds();
    result = await runWrk({ ...run, seconds: options.seconds });
    window.end = monotonicMicroseconds();
  } finally {
    // The profile is written when the process exits (on SIGTERM).
    await server.stop();
  }
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(directory, name));
  if (files.length === 0) throw new Error(`${target.name} wrote no .cpuprofile`);
  return { name: target.name, result, summary: summarizeProfiles(files, window) };
}

/**
 * CPU-profiles kask-ts on the embedded store and on Cassandra under the mix (start-up, key loading and warm-up excluded),
 * and the HTTP ceiling the same way, so that each cost shows per request next to fastify's.
 */
export async function profileRequestPath(options: ProfileOptions): Promise<string> {
  ensureWrk(options.installWrk);
  const runs: ProfiledRun[] = [];
  const { listenAddress } = options;
  if (options.embedded)
    runs.push(await profileTarget((nodeOptions) => kaskTarget('embedded', { nodeOptions, listenAddress }), options));
  const location = options.cassandraLocation;
  const cassandra = options.cassandra === 'on' || (options.cassandra === 'auto' && (await cassandraAnswers(location)));
  if (cassandra) {
    await ensureBenchSchema(location);
    runs.push(
      await profileTarget((nodeOptions) => kaskTarget('cassandra', { nodeOptions, cassandra: location, listenAddress }), options),
    );
  }
  if (options.fastify) runs.push(await profileTarget((nodeOptions) => fastifyCeiling({ nodeOptions, listenAddress }), options));
  const description = `\`mix\` at ${options.connections} connections for ${options.seconds} s (workers ${options.workers})`;
  return renderProfile(runs, description);
}
