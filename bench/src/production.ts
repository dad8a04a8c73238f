// `npm run bench -- --production RATES`: Wikimedia's mix at constant rates (vegeta, an open model) against kask-ts
// and any --url target, round after round (A B A B), with a cold-start round per rate: docs/benchmarks.md.
import { rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { type OperationSummary, p99BySecond, productionTargets, summarise, wikimediaMix } from './open-model.js';
import type { BenchOptions } from './options.js';
import { populate } from './populate.js';
import { watchResources } from './processes.js';
import { chooseTargets, cpuLayoutFor, localStorageNode, pinNode, pinnedTarget } from './run.js';
import { type ServerView, scrape, serverView } from './server-metrics.js';
import type { HttpTarget, RunningTarget } from './targets.js';
import { temporaryDirectory } from './temporary-directory.js';
import { ensureVegeta, runVegeta, writeTargets } from './vegeta.js';
import { workloadNamed } from './workloads.js';

/** The production run's own options (the rest are the benchmark's: keys, duration, warm-up, targets). */
export interface ProductionOptions {
  /** Requests a second, each a set of rounds. */
  readonly rates: readonly number[];
  readonly rounds: number;
  /** Length of the cold-start round: the first seconds after a restart of a target the benchmark starts (0: none). */
  readonly coldSeconds: number;
}

/** One round of one target at one rate. */
export interface ProductionRound {
  readonly rate: number;
  /** `cold`: right after the target started and answered ready, before any warm-up. */
  readonly round: number | 'cold';
  readonly target: string;
  readonly achievedPerSecond: number;
  readonly operations: readonly OperationSummary[];
  /** p99 (ms) of each second of the round: how a cold start settles. */
  readonly p99BySecondMs: readonly number[];
  /** CPU time of the server's processes per request (µs), their peak RSS (MiB), and the share of the round their busiest thread waited for a core. */
  readonly cpuPerRequestUs: number | undefined;
  readonly peakRssMiB: number | undefined;
  readonly waitingForCpu: number | undefined;
  readonly generatorCores: number;
  readonly storageNodeCores: number | undefined;
  /** The share of requests vegeta waited more than 10 ms for, and what the server's metrics say of the round. */
  readonly over10ms: number;
  readonly server: ServerView | undefined;
  readonly failure?: string;
}

export interface ProductionReport {
  readonly startedAt: string;
  readonly machine: string;
  /** 1-, 5- and 15-minute load averages before and after: how busy the shared machine was. */
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly keys: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly notes: readonly string[];
  readonly rounds: readonly ProductionRound[];
}

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** Targets the benchmark starts on Cassandra can be restarted for a cold round and keep their keys; others cannot. */
function restartable(target: HttpTarget): boolean {
  return target.backend === 'cassandra';
}

/** A started target with its keys stored and its targets file written. */
interface Prepared {
  readonly server: RunningTarget;
  readonly targetsPath: string;
}

export async function runProduction(options: BenchOptions, production: ProductionOptions): Promise<ProductionReport> {
  ensureVegeta(options.installWrk);
  const loadBefore = os.loadavg();
  const startedAt = new Date().toISOString();
  const notes: string[] = [];
  const targets = (await chooseTargets({ ...options, fastify: false, storageCeilings: false }, notes)).http;
  const storageNode = localStorageNode({ ...options }, { http: targets, storage: [] }, notes);
  const workload = workloadNamed('mix');
  const workers = options.workers[0] ?? 1;
  // --pin: as where Cassandra has hosts of its own and a server's pod its own cores, every target on the same ones.
  const layout = options.pin ? cpuLayoutFor(workers, storageNode, notes, 'vegeta') : undefined;
  const unpinNode = layout === undefined || storageNode === undefined ? undefined : pinNode(storageNode, layout, notes);
  const directory = temporaryDirectory('kask-bench-production-');
  const prepared = new Map<HttpTarget, Prepared>();
  const rounds: ProductionRound[] = [];
  try {
    // A restarted target listens on another port: its targets file is written anew at every start.
    const start = async (target: HttpTarget, targetsPath: string): Promise<RunningTarget> => {
      const server = pinnedTarget(target.name, await target.start(workload, workers), layout, notes);
      prepared.set(target, { server, targetsPath });
      writeTargets(targetsPath, productionTargets(wikimediaMix, options.keys, `${server.origin}${server.basePath}`));
      return server;
    };
    for (const [index, target] of targets.entries()) {
      log(`starting ${target.name}, storing ${options.keys} keys`);
      const server = await start(target, join(directory.path, `targets-${index}.json`));
      const statuses = await populate(server, workload, options.keys);
      if (statuses['201'] !== options.keys)
        throw new Error(`${target.name}: storing the keys answered ${JSON.stringify(statuses)}`);
    }
    const measure = async (target: HttpTarget, rate: number, round: number | 'cold', seconds: number) => {
      const entry = prepared.get(target) as Prepared;
      log(`${rate}/s round ${round} ${target.name}`);
      const pid = entry.server.pid;
      const watch = pid === undefined ? undefined : watchResources(pid);
      const node = storageNode === undefined ? undefined : watchResources(storageNode);
      const resultsPath = join(directory.path, 'results.gob');
      try {
        const before = await scrape(entry.server.origin);
        const startedAt = performance.now();
        const { results, generatorCores } = await runVegeta({
          targetsPath: entry.targetsPath,
          ratePerSecond: rate,
          seconds,
          resultsPath,
          cores: layout?.rest,
        });
        const resources = watch?.stop();
        const server = serverView(before, await scrape(entry.server.origin), (performance.now() - startedAt) / 1000);
        const operations = summarise(results);
        const achievedPerSecond = results.length / seconds;
        rounds.push({
          rate,
          round,
          target: target.name,
          achievedPerSecond,
          operations,
          p99BySecondMs: p99BySecond(results),
          cpuPerRequestUs: resources === undefined ? undefined : (resources.cores * 1e6) / achievedPerSecond,
          peakRssMiB: resources === undefined ? undefined : resources.peakRssBytes / 2 ** 20,
          waitingForCpu: resources?.waitingForCpu,
          generatorCores,
          storageNodeCores: node?.stop().cores,
          over10ms: results.filter((result) => result.latency > 10e6).length / Math.max(1, results.length),
          server,
        });
      } catch (error) {
        watch?.stop();
        node?.stop();
        rounds.push({
          rate,
          round,
          target: target.name,
          achievedPerSecond: 0,
          operations: [],
          p99BySecondMs: [],
          cpuPerRequestUs: undefined,
          peakRssMiB: undefined,
          waitingForCpu: undefined,
          generatorCores: 0,
          storageNodeCores: undefined,
          over10ms: 0,
          server: undefined,
          failure: (error as Error).message.split('\n')[0],
        });
      } finally {
        rmSync(resultsPath, { force: true });
      }
    };
    for (const rate of production.rates) {
      if (production.coldSeconds > 0) {
        for (const target of targets.filter(restartable)) {
          const entry = prepared.get(target) as Prepared;
          await entry.server.stop();
          log(`restarting ${target.name} for the cold round`);
          await start(target, entry.targetsPath);
          await measure(target, rate, 'cold', production.coldSeconds);
        }
      }
      for (const target of targets) {
        if (options.warmupSeconds === 0) break;
        const entry = prepared.get(target) as Prepared;
        log(`${rate}/s warm-up ${target.name}`);
        await runVegeta({
          targetsPath: entry.targetsPath,
          ratePerSecond: rate,
          seconds: options.warmupSeconds * workers,
          resultsPath: join(directory.path, 'warmup.gob'),
          cores: layout?.rest,
        });
      }
      for (let round = 1; round <= production.rounds; round++) {
        for (const target of targets) await measure(target, rate, round, options.seconds);
      }
    }
  } finally {
    for (const { server } of prepared.values()) await server.stop();
    directory.remove();
    unpinNode?.();
  }
  if (targets.some((target) => !restartable(target)) && production.coldSeconds > 0) {
    notes.push('Cold rounds are measured on targets the benchmark starts on Cassandra only (a --url server is not restarted).');
  }
  return {
    startedAt,
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.availableParallelism()}, Node ${process.version}`,
    loadBefore,
    loadAfter: os.loadavg(),
    keys: options.keys,
    seconds: options.seconds,
    warmupSeconds: options.warmupSeconds,
    notes,
    rounds,
  };
}
