import { parseArgs } from 'node:util';
import type { ProductionOptions } from './production.js';
import type { CassandraLocation } from './targets.js';
import { type Workload, workloadNamed, workloads } from './workloads.js';

/** What the benchmark and the profiler (bench/profile) are both told: run lengths, keys, targets and wrk. */
export interface RunOptions {
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Keys stored before the runs; reads pick among them. */
  readonly keys: number;
  readonly wrkThreads: number;
  readonly fastify: boolean;
  readonly embedded: boolean;
  /** `auto`: measured when a node answers at `cassandraLocation`. */
  readonly cassandra: 'auto' | 'on' | 'off';
  readonly cassandraLocation: CassandraLocation;
  /** Install wrk from Debian's packages when it is missing. */
  readonly installWrk: boolean;
  /** The loopback address the servers the benchmark starts listen on (and the HTTP ceiling). */
  readonly listenAddress: string;
}

/** Everything a benchmark run is told: the one home of the defaults. */
export interface BenchOptions extends RunOptions {
  readonly connections: readonly number[];
  readonly workloads: readonly Workload[];
  /** Processes serving the port, for kask-ts and the HTTP ceiling alike. */
  readonly workers: readonly number[];
  readonly storageCeilings: boolean;
  /** Cores of their own for the server's processes, the others for wrk and a local Cassandra node (bench/src/cpu-layout.ts). */
  readonly pin: boolean;
  readonly urls: readonly string[];
  readonly jsonPath: string | undefined;
  /** A tiny run that checks the benchmark works (every run answered, only expected statuses). */
  readonly smoke: boolean;
  /** Minutes of the mix on kask-ts embedded instead of the table, RSS and p99 each minute (bench/src/soak.ts). */
  readonly soakMinutes: number | undefined;
  /** Instead of the table: Wikimedia's mix at constant rates, round after round (bench/src/production.ts). */
  readonly production: ProductionOptions | undefined;
  /** Further kask-ts targets on Cassandra, each started with these `node` options and NAME=VALUE environment variables. */
  readonly variants: readonly string[];
}

/** The usage lines of the options in RunOptions. */
export const runOptionsUsage = `  --duration SECONDS      length of each measured run                       [KASK_BENCH_DURATION]   (5)
  --warmup SECONDS        warm-up per run, × workers for servers (0: none)  [KASK_BENCH_WARMUP]     (2)
  --keys N                keys stored before the runs                       [KASK_BENCH_KEYS]       (10000)
  --wrk-threads N         wrk threads (one leaves a core to the server)     [KASK_BENCH_WRK_THREADS] (1)
  --cassandra MODE        auto, on or off: kask-ts on Cassandra (and its Cassandra store alone as the
                          storage ceiling); auto = when a node answers      [KASK_BENCH_CASSANDRA]  (auto)
  --cassandra-host H:P    the node                                          (127.0.0.1:9042)
  --cassandra-dc DC       its data centre                                   (datacenter1)
  --cassandra-keyspace KS the keyspace the benchmark fills (made when missing, one replica) (kask_bench)
  --no-fastify            skip the HTTP ceiling
  --no-embedded           skip kask-ts on the embedded store
  --no-install            fail instead of installing wrk when it is missing
  --listen-address IP     where the servers it starts listen, on 127.0.0.0/8  [KASK_BENCH_LISTEN_ADDRESS] (127.0.0.1)
  --help
`;

export const usage = `Usage: npm run bench -- [options]

Drives servers on loopback with wrk and prints a markdown table: requests/s, latency percentiles, unexpected
statuses and errors, server memory and CPU, and the ratio to an HTTP ceiling (a bare fastify route answering
the same bytes) and to a storage ceiling (the same operations straight on the storage, no HTTP).
\`npm run profile\` CPU-profiles the same targets instead (bench/profile).

Options (environment variable in brackets):
  --connections LIST      connection counts, e.g. 16,64,256                 [KASK_BENCH_CONNECTIONS] (16,64,256)
  --workloads LIST        ${workloads
    .map((w) => w.name)
    .join(', ')
    .padEnd(49)} [KASK_BENCH_WORKLOADS]  (all)
  --workers LIST          server processes, e.g. 1,2 (kask-ts's workers)    [KASK_BENCH_WORKERS]    (1)
  --url URL               also measure a Kask-compatible server at URL (its session route, e.g.
                          http://127.0.0.1:8080/v1/); repeatable            [KASK_BENCH_URL]
  --no-storage-ceilings   skip the storage ceilings
  --pin                   give each target's processes (a --url server's too, found by its port; a
                          storage ceiling's) as many cores of their own as --workers, and wrk or vegeta
                          and a local Cassandra node (the one on --cassandra-host's port, whoever started
                          it) the others, as where Cassandra has hosts of its own; only where a core is
                          left over; each is put back after                       [KASK_BENCH_PIN=1]
  --json FILE             also write every measurement as JSON
  --smoke                 a tiny run (1 s runs, 8 connections, the mix, 200 keys) that fails unless every run
                          answered with only the expected statuses; never judges speed
  --soak MINUTES          instead of the table: the mix on kask-ts embedded for MINUTES (first worker count,
                          64 connections if listed, else the first), RSS and p99 each minute, and their slopes
  --production RATES      instead of the table: Wikimedia's mix (GET hits, GET misses, POSTs, DELETEs as
                          1700:100:550:25) at each constant rate in requests/s, e.g. 300,1000, with vegeta
                          (an open model); kask-ts and every --url target, round after round  [KASK_BENCH_PRODUCTION]
  --variant="OPTIONS"     also kask-ts on Cassandra started with these node options and NAME=VALUE
                          variables, e.g. --variant="--max-semi-space-size=4 MALLOC_ARENA_MAX=2"; repeatable
  --rounds N              rounds of each target at each rate (A B A B ...)                    (3)
  --cold SECONDS          a cold-start round per rate: restart kask-ts on Cassandra and measure its first
                          SECONDS (0: none)                                                   (10)
${runOptionsUsage}`;

/** A bad command line: the message says which option. */
export class UsageError extends Error {}

function numberList(name: string, text: string): number[] {
  const list = text.split(',').map((part) => Number(part.trim()));
  if (list.length === 0 || list.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new UsageError(`${name}: expected a comma-separated list of positive integers, got ${text}`);
  }
  return list;
}

/** `text` as a whole number of at least `minimum`, or a UsageError naming the option. */
export function positive(name: string, text: string, minimum = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum)
    throw new UsageError(`${name}: expected a whole number of at least ${minimum}, got ${text}`);
  return value;
}

/** A command line parsed by parseArgs. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Parses `argv` with the RunOptions options and `options`, failing with a UsageError. */
export function parseValues(
  argv: readonly string[],
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>,
): OptionValues {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        duration: { type: 'string' },
        warmup: { type: 'string' },
        keys: { type: 'string' },
        'wrk-threads': { type: 'string' },
        cassandra: { type: 'string' },
        'cassandra-host': { type: 'string' },
        'cassandra-dc': { type: 'string' },
        'cassandra-keyspace': { type: 'string' },
        'no-fastify': { type: 'boolean' },
        'no-embedded': { type: 'boolean' },
        'no-install': { type: 'boolean' },
        'listen-address': { type: 'string' },
        help: { type: 'boolean' },
        ...options,
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** An option's value: the command line's, else the environment variable's, else `fallback`. */
function optionReader(values: OptionValues, env: NodeJS.ProcessEnv) {
  return (name: string, variable: string, fallback: string): string =>
    (values[name] as string | undefined) ?? env[variable] ?? fallback;
}

/** The RunOptions of parsed `values`, with `defaults` where a run differs (the smoke run is shorter). */
export function runOptionsFrom(
  values: OptionValues,
  env: NodeJS.ProcessEnv,
  defaults: { readonly seconds: string; readonly warmupSeconds: string; readonly keys: string; readonly cassandra: string },
): RunOptions {
  const option = optionReader(values, env);
  const cassandra = option('cassandra', 'KASK_BENCH_CASSANDRA', defaults.cassandra);
  if (cassandra !== 'auto' && cassandra !== 'on' && cassandra !== 'off')
    throw new UsageError(`--cassandra: auto, on or off, got ${cassandra}`);
  const [host = '127.0.0.1', port = '9042'] = ((values['cassandra-host'] as string | undefined) ?? '127.0.0.1:9042').split(':');
  return {
    seconds: positive('--duration', option('duration', 'KASK_BENCH_DURATION', defaults.seconds)),
    warmupSeconds: positive('--warmup', option('warmup', 'KASK_BENCH_WARMUP', defaults.warmupSeconds), 0),
    keys: positive('--keys', option('keys', 'KASK_BENCH_KEYS', defaults.keys)),
    wrkThreads: positive('--wrk-threads', option('wrk-threads', 'KASK_BENCH_WRK_THREADS', '1')),
    fastify: values['no-fastify'] !== true,
    embedded: values['no-embedded'] !== true,
    cassandra,
    cassandraLocation: {
      host,
      port: positive('--cassandra-host port', port),
      dataCentre: (values['cassandra-dc'] as string | undefined) ?? 'datacenter1',
      keyspace: (values['cassandra-keyspace'] as string | undefined) ?? 'kask_bench',
      table: 'values',
    },
    installWrk: values['no-install'] !== true,
    listenAddress: loopbackAddress(option('listen-address', 'KASK_BENCH_LISTEN_ADDRESS', '127.0.0.1')),
  };
}

/** `text` when it is an IPv4 address on 127.0.0.0/8: the benchmark's servers are reached on loopback only. */
function loopbackAddress(text: string): string {
  if (!/^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(text))
    throw new UsageError(`--listen-address: expected an IPv4 address on 127.0.0.0/8, got ${text}`);
  return text;
}

/** The --production options, or none when no rates are given. */
function productionFrom(values: OptionValues, env: NodeJS.ProcessEnv): ProductionOptions | undefined {
  const rates = (values.production as string | undefined) ?? env.KASK_BENCH_PRODUCTION;
  if (rates === undefined) return undefined;
  return {
    rates: numberList('--production', rates),
    rounds: positive('--rounds', (values.rounds as string | undefined) ?? '3'),
    coldSeconds: positive('--cold', (values.cold as string | undefined) ?? '10', 0),
  };
}

/** The options of `argv`, with the environment's KASK_BENCH_* variables as defaults. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | 'help' {
  const values = parseValues(argv, {
    connections: { type: 'string' },
    workloads: { type: 'string' },
    workers: { type: 'string' },
    url: { type: 'string', multiple: true },
    'no-storage-ceilings': { type: 'boolean' },
    pin: { type: 'boolean' },
    json: { type: 'string' },
    smoke: { type: 'boolean' },
    soak: { type: 'string' },
    production: { type: 'string' },
    rounds: { type: 'string' },
    cold: { type: 'string' },
    variant: { type: 'string', multiple: true },
  });
  if (values.help) return 'help';
  const option = optionReader(values, env);
  const smoke = values.smoke === true;
  const options: BenchOptions = {
    ...runOptionsFrom(
      values,
      env,
      smoke
        ? { seconds: '1', warmupSeconds: '1', keys: '200', cassandra: 'off' }
        : { seconds: '5', warmupSeconds: '2', keys: '10000', cassandra: 'auto' },
    ),
    connections: numberList('--connections', option('connections', 'KASK_BENCH_CONNECTIONS', smoke ? '8' : '16,64,256')),
    workloads: option('workloads', 'KASK_BENCH_WORKLOADS', smoke ? 'mix' : workloads.map((w) => w.name).join(','))
      .split(',')
      .map((name) => {
        try {
          return workloadNamed(name.trim());
        } catch (error) {
          throw new UsageError(`--workloads: ${(error as Error).message}`);
        }
      }),
    workers: numberList('--workers', option('workers', 'KASK_BENCH_WORKERS', '1')),
    storageCeilings: values['no-storage-ceilings'] !== true,
    pin: values.pin === true || env.KASK_BENCH_PIN === '1',
    urls: (values.url as string[] | undefined) ?? (env.KASK_BENCH_URL ? env.KASK_BENCH_URL.split(',') : []),
    jsonPath: values.json as string | undefined,
    smoke,
    soakMinutes: values.soak === undefined ? undefined : positive('--soak', values.soak as string),
    production: productionFrom(values, env),
    variants: (values.variant as string[] | undefined) ?? [],
  };
  for (const workload of options.workloads) {
    if (String(options.keys - 1).length > workload.keyBytes - 1) {
      throw new UsageError(
        `--keys: ${options.keys} keys do not fit in the ${workload.keyBytes}-byte keys of workload ${workload.name}`,
      );
    }
  }
  return options;
}
