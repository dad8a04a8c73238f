import os from 'node:os';
import { cassandraAnswers, ensureBenchSchema } from './cassandra.js';
import { allowedCores, type CpuLayout, pinTree, separateLayout } from './cpu-layout.js';
import { countInstructions } from './instructions.js';
import { isLoopback, pidListeningOn } from './listener-pid.js';
import type { BenchOptions } from './options.js';
import { populate } from './populate.js';
import { type ResourceUse, watchMachine, watchResources } from './processes.js';
import { runStorageCeiling, type StorageResult } from './storage-run.js';
import { type Backend, fastifyCeiling, type HttpTarget, kaskTarget, type RunningTarget, urlTarget } from './targets.js';
import { expectedStatuses, type Workload } from './workloads.js';
import { ensureWrk, runWrk, type WrkResult } from './wrk.js';

/** One row of the table: a target (or a storage ceiling) under one workload, connection count and worker count. */
export interface Measurement {
  readonly workers: number;
  readonly workload: string;
  readonly connections: number;
  readonly target: string;
  readonly kind: 'http-ceiling' | 'server' | 'storage-ceiling';
  /** The storage the row serves from, when known: a server row is compared with that storage ceiling. */
  readonly backend: Backend | undefined;
  /** Completed requests (or storage operations), all statuses. */
  readonly total: number;
  readonly perSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly p999: number };
  /** Responses with a status the workload should not get, by status, and failures (`timeout`, `read`, ... `storage`). */
  readonly unexpected: Readonly<Record<string, number>>;
  /** Responses by status (HTTP rows). */
  readonly statuses: Readonly<Record<string, number>>;
  readonly resources: ResourceUse | undefined;
  /** CPU time of the server's processes (or the storage ceiling's process) per request, in microseconds. */
  readonly cpuPerRequestUs: number | undefined;
  /** Instructions the server's processes retired per request, user and kernel (perf stat), where perf can count them. */
  readonly instructionsPerRequest: number | undefined;
  /** Cores used by the load generator, by the Cassandra node when it runs here, and by everything else (noise). */
  readonly generatorCores: number | undefined;
  readonly storageNodeCores: number | undefined;
  readonly otherCores: number | undefined;
  /** Why the row has no figures (the target did not start, wrk failed, ...). */
  readonly failure?: string;
}

/** µs of CPU per request of a process that kept `cores` busy while `perSecond` requests were served. */
export function cpuPerRequestUs(cores: number | undefined, perSecond: number): number | undefined {
  return cores === undefined || perSecond <= 0 ? undefined : (cores * 1e6) / perSecond;
}

/** Everything one benchmark run measured, and how. */
export interface BenchReport {
  readonly startedAt: string;
  readonly machine: string;
  /** The cores this machine offers (every process measured shares them). */
  readonly cores: number;
  readonly options: BenchOptions;
  readonly notes: readonly string[];
  readonly measurements: readonly Measurement[];
}

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

function fromWrk(
  result: WrkResult,
  workload: Workload,
): Pick<Measurement, 'total' | 'perSecond' | 'latencyMs' | 'unexpected' | 'statuses'> {
  const expected = new Set(expectedStatuses(workload).map(String));
  const unexpected: Record<string, number> = {};
  for (const [status, count] of Object.entries(result.statuses)) if (!expected.has(status)) unexpected[status] = count;
  for (const [kind, count] of Object.entries(result.errors)) if (count > 0) unexpected[kind] = count;
  const ms = (us: number) => us / 1000;
  return {
    total: result.requests,
    perSecond: result.requests / (result.duration_us / 1e6),
    latencyMs: { p50: ms(result.latency_us.p50), p99: ms(result.latency_us.p99), p999: ms(result.latency_us.p999) },
    unexpected,
    statuses: result.statuses,
  };
}

function fromStorage(
  result: StorageResult,
): Pick<Measurement, 'total' | 'perSecond' | 'latencyMs' | 'unexpected' | 'statuses' | 'cpuPerRequestUs' | 'storageNodeCores'> {
  const ms = (us: number) => us / 1000;
  return {
    cpuPerRequestUs: result.cpu_us / Math.max(result.operations, 1),
    storageNodeCores: result.node_cpu_us === undefined ? undefined : result.node_cpu_us / 1e6 / result.seconds,
    total: result.operations,
    perSecond: result.operations / result.seconds,
    latencyMs: { p50: ms(result.latency_us.p50), p99: ms(result.latency_us.p99), p999: ms(result.latency_us.p999) },
    unexpected: result.errors > 0 ? { storage: result.errors } : {},
    statuses: {},
  };
}

function failed(
  base: Omit<
    Measurement,
    | 'total'
    | 'perSecond'
    | 'latencyMs'
    | 'unexpected'
    | 'statuses'
    | 'resources'
    | 'cpuPerRequestUs'
    | 'instructionsPerRequest'
    | 'generatorCores'
    | 'storageNodeCores'
    | 'otherCores'
  >,
  error: unknown,
): Measurement {
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...base,
    total: 0,
    perSecond: 0,
    latencyMs: { p50: 0, p99: 0, p999: 0 },
    unexpected: {},
    statuses: {},
    resources: undefined,
    cpuPerRequestUs: undefined,
    instructionsPerRequest: undefined,
    generatorCores: undefined,
    storageNodeCores: undefined,
    otherCores: undefined,
    failure: message.split('\n')[0] ?? message,
  };
}

function kindOf(target: HttpTarget): Measurement['kind'] {
  return target.role === 'ceiling' ? 'http-ceiling' : 'server';
}

/** The targets the options ask for; Cassandra ones only when a node answers (or when forced on). */
export async function chooseTargets(options: BenchOptions, notes: string[]): Promise<{ http: HttpTarget[]; storage: Backend[] }> {
  const http: HttpTarget[] = [];
  const storage: Backend[] = [];
  const { listenAddress } = options;
  if (options.fastify) http.push(fastifyCeiling({ listenAddress }));
  if (options.embedded) {
    http.push(kaskTarget('embedded', { listenAddress }));
    if (options.storageCeilings) storage.push('embedded');
  }
  let cassandra = options.cassandra === 'on';
  if (options.cassandra === 'auto') {
    const { host, port } = options.cassandraLocation;
    cassandra = await cassandraAnswers(options.cassandraLocation);
    if (!cassandra) notes.push(`No Cassandra at ${host}:${port}: its targets are skipped (npm run cassandra:start).`);
  }
  if (cassandra) {
    notes.push(
      `kask-ts cassandra and its ceiling use the node at ${options.cassandraLocation.host}:${options.cassandraLocation.port} ` +
        `(keyspace ${options.cassandraLocation.keyspace}, one replica).`,
    );
  }
  if (cassandra) {
    await ensureBenchSchema(options.cassandraLocation);
    http.push(kaskTarget('cassandra', { cassandra: options.cassandraLocation, listenAddress }));
    for (const variant of options.variants)
      http.push(kaskTarget('cassandra', { cassandra: options.cassandraLocation, listenAddress, ...variantOf(variant) }));
    if (options.storageCeilings) storage.push('cassandra');
  }
  for (const url of options.urls) http.push(urlTarget(url));
  return { http, storage };
}

/** A --variant's words: NAME=VALUE ones are environment variables, the others node options. */
export function variantOf(text: string): { label: string; nodeOptions: string[]; env: Record<string, string> } {
  const words = text.split(/\s+/).filter((word) => word !== '');
  const isVariable = (word: string) => /^[A-Z_][A-Z0-9_]*=/.test(word);
  return {
    label: words.join(' '),
    nodeOptions: words.filter((word) => !isVariable(word)),
    env: Object.fromEntries(
      words.filter(isVariable).map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]),
    ),
  };
}

/**
 * The process of the Cassandra node when targets use it and it runs on this machine (so its CPU is a figure of
 * its own, and --pin moves it), else none: a node that did not answer is no part of the run.
 */
export function localStorageNode(
  options: BenchOptions,
  targets: { readonly http: readonly HttpTarget[]; readonly storage: readonly Backend[] },
  notes: string[],
): number | undefined {
  const { host, port } = options.cassandraLocation;
  const used = targets.storage.includes('cassandra') || targets.http.some((target) => target.backend === 'cassandra');
  if (!used || !isLoopback(host)) return undefined;
  const pid = pidListeningOn(host, port);
  notes.push(
    pid === undefined
      ? `No process listening on port ${port} could be read here: the Cassandra node's CPU is part of \`other\`.`
      : `The Cassandra node on this machine (pid ${pid}) is measured on its own: the \`Cassandra node\` cores in every row.`,
  );
  return pid;
}

/** Runs wrk against `server` with the benchmark's keys and threads, on the cores --pin leaves to it. */
function drive(
  server: RunningTarget,
  workload: Workload,
  run: { readonly connections: number; readonly seconds: number },
  options: BenchOptions,
  layout: CpuLayout | undefined,
): Promise<WrkResult> {
  return runWrk({ ...server, ...run, workload, keys: options.keys, threads: options.wrkThreads, cores: layout?.rest });
}

/** Starts every target for `workload`, stores its keys and warms it up; a target that fails is reported, not fatal. */
async function startTargets(
  targets: readonly HttpTarget[],
  workload: Workload,
  workers: number,
  options: BenchOptions,
  layout: CpuLayout | undefined,
  notes: string[],
): Promise<Map<HttpTarget, RunningTarget | Error>> {
  const running = new Map<HttpTarget, RunningTarget | Error>();
  for (const target of targets) {
    try {
      log(`starting ${target.name} (${workload.name}, workers ${workers})`);
      const started = await target.start(workload, workers);
      running.set(target, started);
      const server = pinnedTarget(target.name, started, layout, notes);
      running.set(target, server);
      const statuses = await populate(server, workload, options.keys);
      const stored = statuses['201'] ?? 0;
      if (stored !== options.keys) {
        throw new Error(`storing the keys answered ${JSON.stringify(statuses)}, not 201 to all ${options.keys}`);
      }
      if (options.warmupSeconds > 0) {
        const connections = Math.min(64, Math.max(...options.connections));
        // Each worker compiles its hot code on its own share of the load: two workers stay cold twice as long
        // (measured on Cassandra: 855 req/s in the first 4 s, 1.5-2.5k after 8 s).
        await drive(server, workload, { connections, seconds: options.warmupSeconds * workers }, options, layout);
      }
    } catch (error) {
      const server = running.get(target);
      if (server !== undefined && !(server instanceof Error)) await server.stop();
      log(`${target.name} failed: ${(error as Error).message}`);
      running.set(target, error as Error);
    }
  }
  return running;
}

/** Runs the whole matrix: workers × workloads × connections × targets, and the storage ceilings. */
export async function runBenchmark(options: BenchOptions): Promise<BenchReport> {
  ensureWrk(options.installWrk);
  const notes: string[] = [];
  const startedAt = new Date().toISOString();
  const targets = await chooseTargets(options, notes);
  const storageNode = localStorageNode(options, targets, notes);
  const measurements: Measurement[] = [];
  for (const workers of options.workers) {
    const layout = options.pin ? cpuLayoutFor(workers, storageNode, notes) : undefined;
    const unpinNode = layout === undefined || storageNode === undefined ? undefined : pinNode(storageNode, layout, notes);
    try {
      for (const workload of options.workloads) {
        const running = await startTargets(targets.http, workload, workers, options, layout, notes);
        try {
          for (const connections of options.connections) {
            for (const target of targets.http) {
              const base = {
                workers,
                workload: workload.name,
                connections,
                target: target.name,
                kind: kindOf(target),
                backend: target.backend,
              };
              const server = running.get(target);
              if (server === undefined || server instanceof Error) {
                measurements.push(failed(base, server ?? 'not started'));
                continue;
              }
              log(`${workload.name} c=${connections} ${target.name}`);
              const watch = server.pid === undefined ? undefined : watchResources(server.pid);
              const instructions = server.pid === undefined ? undefined : countInstructions(server.pid);
              const node = storageNode === undefined ? undefined : watchResources(storageNode);
              const machine = watchMachine();
              try {
                const result = await drive(server, workload, { connections, seconds: options.seconds }, options, layout);
                const resources = watch?.stop();
                const storageNodeCores = node?.stop().cores;
                const retired = await instructions?.stop();
                const otherCores = Math.max(
                  0,
                  machine.stop() - result.generatorCores - (resources?.cores ?? 0) - (storageNodeCores ?? 0),
                );
                const measured = fromWrk(result, workload);
                measurements.push({
                  ...base,
                  ...measured,
                  resources,
                  cpuPerRequestUs: cpuPerRequestUs(resources?.cores, measured.perSecond),
                  instructionsPerRequest: retired === undefined ? undefined : retired / Math.max(measured.total, 1),
                  generatorCores: result.generatorCores,
                  storageNodeCores,
                  otherCores,
                });
              } catch (error) {
                watch?.stop();
                node?.stop();
                await instructions?.stop();
                measurements.push(failed(base, error));
              }
            }
            // The storage alone does not depend on the server's worker count: measured once.
            for (const backend of workers === options.workers[0] ? targets.storage : []) {
              const base = {
                workers: 1,
                workload: workload.name,
                connections,
                target: storageCeilingName(backend),
                kind: 'storage-ceiling' as const,
                backend,
              };
              log(`${workload.name} c=${connections} ${base.target}`);
              try {
                const result = await runStorageCeiling({
                  backend,
                  workload,
                  keys: options.keys,
                  concurrency: connections,
                  seconds: options.seconds,
                  warmupSeconds: options.warmupSeconds,
                  cassandra: backend === 'cassandra' ? options.cassandraLocation : undefined,
                  storageNode: backend === 'cassandra' ? storageNode : undefined,
                  cores: layout?.server,
                });
                measurements.push({
                  ...base,
                  ...fromStorage(result),
                  instructionsPerRequest: undefined,
                  resources: undefined,
                  generatorCores: undefined,
                  otherCores: undefined,
                });
              } catch (error) {
                measurements.push(failed(base, error));
              }
            }
          }
        } finally {
          for (const server of running.values()) if (!(server instanceof Error)) await server.stop();
        }
      }
    } finally {
      unpinNode?.();
    }
  }
  return { startedAt, machine: machineDescription(), cores: os.availableParallelism(), options, notes, measurements };
}

/**
 * `server` with its processes on the layout's server cores, put back when it stops (a server the benchmark did not
 * start, --url, gets its own cores back); one that cannot be found (not on this machine, or not this user's) or
 * moved is noted, and shares every core.
 */
export function pinnedTarget(name: string, server: RunningTarget, layout: CpuLayout | undefined, notes: string[]): RunningTarget {
  if (layout === undefined) return server;
  const note = (why: string) => {
    const line = `--pin: ${name} shared every core: ${why}.`;
    if (!notes.includes(line)) notes.push(line);
    return server;
  };
  if (server.pid === undefined) return note('its process could not be found by the port it listens on');
  try {
    const unpin = pinTree(server.pid, layout.server);
    return { ...server, stop: () => server.stop().finally(unpin) };
  } catch (error) {
    return note((error as Error).message);
  }
}

/** Pins the Cassandra node to the cores the server does not use; a node that cannot be moved is noted, and shared. */
export function pinNode(node: number, layout: CpuLayout, notes: string[]): (() => void) | undefined {
  try {
    return pinTree(node, layout.rest);
  } catch (error) {
    notes.push(`--pin: the Cassandra node stayed on every core: ${(error as Error).message}.`);
    return undefined;
  }
}

/** Where `workers` server processes run under --pin (noted for the report), or none when no core would be left. */
export function cpuLayoutFor(
  workers: number,
  storageNode: number | undefined,
  notes: string[],
  generator = 'wrk',
): CpuLayout | undefined {
  const cores = allowedCores();
  const layout = separateLayout(cores, workers);
  const others = storageNode === undefined ? generator : `${generator} and the Cassandra node`;
  notes.push(
    layout === undefined
      ? `--pin: ${workers} server process(es) would leave none of the ${cores.length} cores to ${others}: every core is shared.`
      : `--pin: the measured processes (each target's, or a storage ceiling's) on ${workers} core(s), ${layout.server}, as --workers says; ${others} on ${layout.rest}.`,
  );
  return layout;
}

/** The storage ceiling's name in the table. */
export function storageCeilingName(backend: Backend): string {
  return backend === 'embedded' ? 'LMDB ceiling (kask-ts store, no HTTP)' : 'Cassandra ceiling (kask-ts store, no HTTP)';
}

function machineDescription(): string {
  return `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.availableParallelism()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`;
}
