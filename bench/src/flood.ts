// `npm run bench:flood`: what rate limits cost, and what they and ports of their own protect. Two parts, each on
// kask-ts embedded with workers (so that the primary decides every limit), rounds alternating between servers:
//   cost   wrk's mix, closed loop, against limits that never refuse: what a request pays for the decision
//   flood  at constant rates (open loop, bench/src/constant-rate.ts), Wikimedia's authenticated load (reads and
//          writes of the sessions namespace) while another client writes anonymous sessions at four times
//          their rate; the authenticated latencies with the anonymous namespace limited and not, on the
//          authenticated sessions' port and on a port of its own served by nice processes

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../test-support/free-port.js';
import { runCommand } from './command.js';
import { generateLoad, type LoadPlan, type StreamResult } from './constant-rate.js';
import { allowedCores, type CpuLayout, pinTree, separateLayout } from './cpu-layout.js';
import { type OptionValues, parseValues, positive, UsageError } from './options.js';
import { repoRoot } from './paths.js';
import { populate } from './populate.js';
import { cpuSeconds, type StartedProcess, spawnNode, waitUntilAnswering, watchResources } from './processes.js';
import { alternatingRounds, median, type Round, summary, wrkRound } from './rounds.js';
import { temporaryDirectory } from './temporary-directory.js';
import { workloadNamed } from './workloads.js';
import { ensureWrk } from './wrk.js';

const usage = `Usage: npm run bench:flood -- [options]

kask-ts embedded with workers, without and with rate limits, rounds alternating between them.
  cost:  wrk's mix at --connections against limits that never refuse; req/s, server CPU per request, latency;
         then Wikimedia's mix of reads and writes at 300 and 3000 requests a second, server CPU per request
  flood: at constant rates, Wikimedia's authenticated sessions (1750 reads and 220 writes a second per data
         centre) alone, then with anonymous sessions written at 4 × 330 a second, without and with a limit of
         330 a second (and a per-key cap of 1) on their namespace, on the same port and on a port of their own
         (nice 19); the authenticated latencies, from when each request was due
  --part NAME          cost, flood or both                   (both)
  --duration SECONDS   length of each round                  (20)
  --rounds N           rounds of each server or scenario     (2)
  --workers N          kask-ts's workers (on two ports: half each) (2)
  --scale X            every flood rate and limit times X    (1)
  --connections N      wrk connections of the cost part      (64)
  --keys N             sessions stored before the runs       (10000)
  --pin                the servers' processes on half the cores, the load generators on the others, as
                       a flood comes from other machines (without it every core is shared)
  --help
`;

interface FloodOptions {
  readonly parts: readonly ('cost' | 'flood')[];
  readonly seconds: number;
  readonly rounds: number;
  readonly workers: number;
  readonly scale: number;
  readonly connections: number;
  readonly keys: number;
  /** --pin: the servers' cores and the load generators'. */
  readonly layout: CpuLayout | undefined;
}

function parse(argv: readonly string[]): FloodOptions | 'help' {
  const values: OptionValues = parseValues(argv, {
    part: { type: 'string' },
    rounds: { type: 'string' },
    workers: { type: 'string' },
    scale: { type: 'string' },
    connections: { type: 'string' },
    pin: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const value = (name: string, fallback: string) => (values[name] as string | undefined) ?? fallback;
  const part = value('part', 'both');
  if (!['cost', 'flood', 'both'].includes(part)) throw new UsageError(`--part: expected cost, flood or both, got ${part}`);
  const scale = Number(value('scale', '1'));
  if (!(scale > 0)) throw new UsageError(`--scale: expected a positive number, got ${value('scale', '1')}`);
  return {
    parts: part === 'both' ? ['cost', 'flood'] : [part as 'cost' | 'flood'],
    seconds: positive('--duration', value('duration', '20')),
    rounds: positive('--rounds', value('rounds', '2')),
    workers: positive('--workers', value('workers', '2')),
    scale,
    connections: positive('--connections', value('connections', '64')),
    keys: positive('--keys', value('keys', '10000')),
    layout: values.pin === true ? pinnedLayout() : undefined,
  };
}

/** Under --pin, the servers' cores and the load generators'; the generators are this process's threads. */
function pinnedLayout(): CpuLayout {
  const cores = allowedCores();
  const layout = separateLayout(cores, Math.floor(cores.length / 2));
  if (layout === undefined) throw new UsageError(`--pin: ${cores.length} core(s) cannot be split between servers and generators`);
  return layout;
}

// NOTE: Wikimedia's load per data centre (T408935, late 2025): about 1.75k GET/s and 550 POST/s, 60% of the
// writes from anonymous sessions (scrapers), peaks of 1.5k POST/s. Reads are all counted as authenticated here.
const authenticatedReadsPerSecond = 1750;
const authenticatedWritesPerSecond = 220;
const anonymousWritesPerSecond = 330;
const floodFactor = 4;

const workload = workloadNamed('mix');
const sessions = { base_uri: '/sessions/v1/' };
const anonymous = { base_uri: '/anon-sessions/v1/' };

interface Server {
  readonly name: string;
  readonly origin: string;
  /** Where the anonymous sessions' port is: `origin`, or a port of their own. */
  readonly floodOrigin: string;
  readonly process: StartedProcess;
}

/** The niceness of the processes of the anonymous sessions' own port, where they have one: the most there is. */
const anonymousNice = 19;

/**
 * `isolated`: the anonymous sessions on a port of their own, served by processes of their own at `anonymousNice`;
 * `workers` then shared by the two ports (at least one each), as the default shares the cores, so that both servers
 * run as many processes.
 */
async function start(
  name: string,
  directory: string,
  workers: number,
  namespaces: { readonly sessions: object; readonly anonymous_sessions: object },
  isolated: boolean,
): Promise<Server> {
  const port = await freePort();
  const anonymousPort = isolated ? await freePort() : port;
  const configPath = join(directory, `${name}.yaml`);
  const config = {
    listen_address: '127.0.0.1',
    listen_port: port,
    log_level: 'error',
    workers: isolated ? Math.max(1, Math.floor(workers / 2)) : workers,
    embedded: { path: join(directory, `${name}-data`) },
    namespaces: isolated
      ? {
          ...namespaces,
          anonymous_sessions: { ...namespaces.anonymous_sessions, listen_port: anonymousPort, nice: anonymousNice },
        }
      : namespaces,
  };
  writeFileSync(configPath, stringify(config));
  const process = spawnNode([join(repoRoot, 'server/dist/cli.js'), '--config', configPath]);
  const origin = `http://127.0.0.1:${port}`;
  const floodOrigin = `http://127.0.0.1:${anonymousPort}`;
  for (const served of new Set([origin, floodOrigin])) await waitUntilAnswering(`${served}/readyz`, process);
  return { name, origin, floodOrigin, process };
}

/** A cost round: wrk's figures, and the CPU time of the primary alone per request (where the decisions are made). */
interface CostRound extends Round {
  readonly primaryMicros: number;
}

/** The cost part: wrk's mix against each server, the median of its rounds. */
async function cost(options: FloodOptions, servers: readonly Server[]): Promise<string[]> {
  const drive = async (server: Server, seconds: number): Promise<CostRound> => {
    const primaryBefore = cpuSeconds(server.process.pid) ?? 0;
    const round = await wrkRound(server.process.pid, {
      origin: server.origin,
      basePath: sessions.base_uri,
      workload,
      keys: options.keys,
      connections: options.connections,
      threads: 1,
      seconds,
    });
    const primaryMicros = (1e6 * ((cpuSeconds(server.process.pid) ?? 0) - primaryBefore)) / round.result.requests;
    return { ...round, primaryMicros };
  };
  for (const server of servers) await drive(server, 3);
  const results = await alternatingRounds('bench:flood: cost', servers, options.rounds, (server) =>
    drive(server, options.seconds),
  );
  const rows = servers.map((server) => {
    const runs = results.get(server) ?? [];
    return {
      name: server.name,
      ...summary(runs, workload),
      primaryMicros: median(runs.map((run) => run.primaryMicros)),
      each: runs.map((run) => Math.round(run.cpuMicros)).join(', '),
    };
  });
  const [without, limited] = rows;
  return [
    `### What the limits cost: mix (${workload.description}), ${options.connections} connections, ${options.workers} workers, ${options.rounds} rounds of ${options.seconds} s, medians`,
    '',
    '| kask-ts embedded | req/s | server CPU µs/req | of which the primary | p50 ms | p99 ms | unexpected statuses / errors | server CPU µs/req of each round |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${Math.round(row.rps)} | ${Math.round(row.cpuMicros)} | ${row.primaryMicros.toFixed(1)} | ${row.p50Ms.toFixed(2)} | ${row.p99Ms.toFixed(2)} | ${row.unexpected} | ${row.each} |`,
    ),
    '',
    `server CPU per request added by the limits: ${((limited?.cpuMicros ?? 0) - (without?.cpuMicros ?? 0)).toFixed(1)} µs (${(100 * ((limited?.cpuMicros ?? 0) / (without?.cpuMicros ?? 1) - 1)).toFixed(1)}%), of which the primary's ${((limited?.primaryMicros ?? 0) - (without?.primaryMicros ?? 0)).toFixed(1)} µs`,
    '',
  ];
}

/** Requests a second of the constant-rate cost rounds: about an instance's share of Wikimedia's load, and ten times it. */
const constantRates = [300, 3000];

/** Wikimedia's share of reads among reads and writes (1.75k GET/s, 550 POST/s). */
const readShare =
  authenticatedReadsPerSecond / (authenticatedReadsPerSecond + anonymousWritesPerSecond + authenticatedWritesPerSecond);

/** The cost at constant rates: Wikimedia's mix of reads and writes on the sessions namespace, the server's CPU per request. */
async function costAtConstantRates(options: FloodOptions, servers: readonly Server[]): Promise<string[]> {
  const stream = {
    keyBytes: workload.keyBytes,
    valueBytes: workload.valueBytes,
    basePath: sessions.base_uri,
    keys: options.keys,
  };
  const lines: string[] = [];
  for (const rate of constantRates) {
    const measure = async (server: Server) => {
      const primaryBefore = cpuSeconds(server.process.pid) ?? 0;
      const watch = watchResources(server.process.pid);
      const results = await generateLoad({
        origin: server.origin,
        seconds: options.seconds,
        streams: [
          { ...stream, name: 'GET', method: 'GET', perSecond: rate * readShare },
          { ...stream, name: 'POST', method: 'POST', perSecond: rate * (1 - readShare) },
        ],
      });
      const requests = rate * options.seconds;
      return {
        cpuMicros: (1e6 * watch.stop().cores * options.seconds) / requests,
        primaryMicros: (1e6 * ((cpuSeconds(server.process.pid) ?? 0) - primaryBefore)) / requests,
        get: results.find((result) => result.name === 'GET') as StreamResult,
      };
    };
    const results = await alternatingRounds(`bench:flood: cost at ${rate}/s`, servers, options.rounds, measure);
    for (const server of servers) {
      const runs = results.get(server) ?? [];
      lines.push(
        `| ${rate} | ${server.name} | ${median(runs.map((run) => run.cpuMicros)).toFixed(0)} | ${median(runs.map((run) => run.primaryMicros)).toFixed(1)} | ${median(runs.map((run) => run.get.latencyMs.p50)).toFixed(2)} | ${median(runs.map((run) => run.get.latencyMs.p99)).toFixed(2)} |`,
      );
    }
  }
  return [
    `### What the limits cost at constant rates: ${Math.round(100 * readShare)}% reads, the rest writes, of the sessions namespace; ${options.workers} workers, ${options.rounds} rounds of ${options.seconds} s, medians`,
    '',
    '| requests/s | kask-ts embedded | server CPU µs/req | of which the primary | GET p50 ms | GET p99 ms |',
    '|---|---|---|---|---|---|',
    ...lines,
    '',
  ];
}

/** One flood scenario: its name, the server, and whether anonymous sessions flood meanwhile. */
interface Scenario {
  readonly name: string;
  readonly server: Server;
  readonly flooding: boolean;
}

interface ScenarioRun {
  readonly authenticated: StreamResult[];
  readonly flood: StreamResult[];
  readonly cores: number;
}

async function runScenario(scenario: Scenario, options: FloodOptions, seconds: number): Promise<ScenarioRun> {
  const stream = { keyBytes: workload.keyBytes, valueBytes: workload.valueBytes, basePath: sessions.base_uri };
  const authenticated: LoadPlan = {
    origin: scenario.server.origin,
    seconds,
    streams: [
      { ...stream, name: 'GET', method: 'GET', perSecond: authenticatedReadsPerSecond * options.scale, keys: options.keys },
      { ...stream, name: 'POST', method: 'POST', perSecond: authenticatedWritesPerSecond * options.scale, keys: options.keys },
    ],
  };
  const flood: LoadPlan = {
    origin: scenario.server.floodOrigin,
    seconds,
    streams: [
      {
        ...stream,
        basePath: anonymous.base_uri,
        name: 'POST',
        method: 'POST',
        perSecond: floodFactor * anonymousWritesPerSecond * options.scale,
        keys: 'new',
      },
    ],
  };
  const watch = watchResources(scenario.server.process.pid);
  const [authenticatedResults, floodResults] = await Promise.all([
    generateLoad(authenticated),
    scenario.flooding ? generateLoad(flood) : Promise.resolve([]),
  ]);
  return { authenticated: authenticatedResults, flood: floodResults, cores: watch.stop().cores };
}

/** The flood part: each scenario's authenticated latencies and the flood's answers, the median of its rounds. */
async function floodPart(options: FloodOptions, servers: readonly Server[]): Promise<string[]> {
  const [without] = servers;
  if (without === undefined) throw new Error('a server expected');
  const scenarios: Scenario[] = [
    { name: 'authenticated alone', server: without, flooding: false },
    ...servers.map((server) => ({ name: `+ anonymous flood, ${server.name}`, server, flooding: true })),
  ];
  for (const server of servers) await runScenario({ name: 'warm-up', server, flooding: false }, options, 3);
  const runs = await alternatingRounds('bench:flood: flood', scenarios, options.rounds, (scenario) =>
    runScenario(scenario, options, options.seconds),
  );
  const ms = (value: number) => value.toFixed(1);
  const of = (results: StreamResult[], name: string) => results.find((result) => result.name === name) as StreamResult;
  const perSecond = (results: StreamResult[], status: string) =>
    Math.round(results.reduce((sum, result) => sum + (result.statuses[status] ?? 0), 0) / options.seconds);
  const rows = scenarios.map((scenario) => {
    const each = runs.get(scenario) ?? [];
    const latency = (stream: string, which: 'p50' | 'p99' | 'p999') =>
      ms(median(each.map((run) => of(run.authenticated, stream).latencyMs[which])));
    const unexpected = each.reduce((sum, run) => {
      const get = of(run.authenticated, 'GET');
      const post = of(run.authenticated, 'POST');
      return sum + get.sent - (get.statuses['200'] ?? 0) + post.sent - (post.statuses['201'] ?? 0);
    }, 0);
    const flood = scenario.flooding
      ? `${median(each.map((run) => perSecond(run.flood, '201')))} / ${median(each.map((run) => perSecond(run.flood, '429')))}`
      : '—';
    return `| ${scenario.name} | ${latency('GET', 'p50')} / ${latency('GET', 'p99')} / ${latency('GET', 'p999')} | ${latency('POST', 'p50')} / ${latency('POST', 'p99')} | ${unexpected} | ${flood} | ${median(each.map((run) => run.cores)).toFixed(2)} |`;
  });
  const rate = (perSecondRate: number) => Math.round(perSecondRate * options.scale);
  return [
    `### A flood of anonymous writes: ${rate(authenticatedReadsPerSecond)} GET/s and ${rate(authenticatedWritesPerSecond)} POST/s of authenticated sessions; anonymous POSTs at ${rate(floodFactor * anonymousWritesPerSecond)}/s (4 × ${rate(anonymousWritesPerSecond)}); ${options.workers} workers, ${options.rounds} rounds of ${options.seconds} s, medians`,
    '',
    '| scenario | authenticated GET p50 / p99 / p99.9 ms | authenticated POST p50 / p99 ms | authenticated requests not 200/201 | anonymous POSTs 201/s / 429/s | server cores |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

/** Stores the sessions the authenticated reads and writes find. */
async function populated(server: Server, keys: number): Promise<Server> {
  const target = { origin: server.origin, basePath: sessions.base_uri, pid: server.process.pid, stop: async () => {} };
  const statuses = await populate(target, workload, keys);
  if (Object.keys(statuses).some((status) => status !== '201')) {
    throw new Error(`${server.name}: storing sessions answered ${JSON.stringify(statuses)}`);
  }
  return server;
}

runCommand('bench:flood', usage, parse, async (options) => {
  if (options.parts.includes('cost')) ensureWrk(true);
  const { layout } = options;
  // Before any server starts, so that only this process's threads (and the generators' threads it starts) move.
  const unpins = layout === undefined ? [] : [pinTree(process.pid, layout.rest)];
  const temporary = temporaryDirectory('kask-bench-flood-');
  const servers: Server[] = [];
  const started = async (
    name: string,
    namespaces: { readonly sessions: object; readonly anonymous_sessions: object },
    isolated = false,
  ) => {
    const server = await start(name, temporary.path, options.workers, namespaces, isolated);
    servers.push(server);
    if (layout !== undefined) unpins.push(pinTree(server.process.pid, layout.server));
    return populated(server, options.keys);
  };
  try {
    if (layout !== undefined) {
      process.stdout.write(
        `--pin: the servers' processes on core(s) ${layout.server}, the load generators on ${layout.rest}\n\n`,
      );
    }
    const without = await started('without limits', { sessions, anonymous_sessions: anonymous });
    const lines: string[] = [];
    if (options.parts.includes('cost')) {
      // Every check is made, and none answers 429.
      const neverRefusing = {
        reads: { per_second: 10_000_000 },
        writes: { per_second: 10_000_000 },
        key_writes_per_second: 1000,
      };
      const limited = await started('with limits that never refuse', {
        sessions: { ...sessions, limits: neverRefusing },
        anonymous_sessions: anonymous,
      });
      lines.push(...(await cost(options, [without, limited])), ...(await costAtConstantRates(options, [without, limited])));
    }
    if (options.parts.includes('flood')) {
      // The anonymous sessions' writes limited to their usual rate; the authenticated sessions unlimited.
      const perSecond = Math.round(anonymousWritesPerSecond * options.scale);
      const limitedNamespaces = {
        sessions,
        anonymous_sessions: { ...anonymous, limits: { writes: { per_second: perSecond }, key_writes_per_second: 1 } },
      };
      const flooded = [
        without,
        await started('with limits', limitedNamespaces),
        await started(`on a port of their own (nice ${anonymousNice})`, { sessions, anonymous_sessions: anonymous }, true),
        await started(`on a port of their own (nice ${anonymousNice}), with limits`, limitedNamespaces, true),
      ];
      lines.push(...(await floodPart(options, flooded)));
    }
    process.stdout.write(lines.join('\n'));
    return 0;
  } finally {
    await Promise.all(servers.map((server) => server.process.stop()));
    temporary.remove();
    for (const unpin of unpins) unpin();
  }
});
