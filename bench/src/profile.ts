import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cassandraAnswers, ensureBenchSchema } from './cassandra.js';
import type { BenchOptions } from './options.js';
import { populate } from './populate.js';
import { repoRoot } from './processes.js';
import { fastifyCeiling, type HttpTarget, kaskTarget, serverConfigKeys } from './targets.js';
import { workloadNamed } from './workloads.js';
import { ensureWrk, runWrk, type WrkResult } from './wrk.js';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

/** V8's .cpuprofile format (what `node --cpu-prof` writes); times in microseconds of the system's monotonic clock. */
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A function's share of the CPU time the server spent busy (idle excluded). */
export interface ProfileEntry {
  readonly name: string;
  readonly where: string;
  readonly category: string;
  readonly selfShare: number;
  readonly totalShare: number;
}

/** Where the server's time went during the measured window. */
export interface ProfileSummary {
  readonly files: readonly string[];
  readonly busyMs: number;
  readonly idleMs: number;
  readonly bySelf: readonly ProfileEntry[];
  /** Functions of kask-ts itself by inclusive time (their callees included). */
  readonly kaskByTotal: readonly ProfileEntry[];
  readonly categories: readonly { readonly category: string; readonly share: number }[];
}

const specialFrames = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);
const socketCalls = new Set([
  'writev',
  'writeBuffer',
  'writeUtf8String',
  'writeLatin1String',
  'writeAsciiString',
  'readStart',
  'shutdown',
  'close',
]);

/** The package, Node.js module or part of kask-ts a frame belongs to. */
function categoryOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (specialFrames.has(functionName)) return functionName;
    // The socket bindings: on loopback the kernel's whole TCP path (the receiver's side too) runs inside them.
    return socketCalls.has(functionName) ? '(socket syscalls: kernel TCP)' : '(V8 builtins and natives)';
  }
  const inModules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inModules) return inModules[1] as string;
  if (url.startsWith('node:')) {
    const module = url.slice('node:'.length).replace(/^internal\//, '');
    return `node:${module.split('/')[0]}`;
  }
  if (url.includes('/server/dist/')) return 'kask-ts';
  return url.startsWith('file:') ? relative(repoRoot, fileURLToPath(url)) : url;
}

function whereOf(frame: CallFrame): string {
  if (frame.url === '') return '';
  const path = frame.url.startsWith('file:') ? relative(repoRoot, fileURLToPath(frame.url)) : frame.url;
  return `${path.replace(/^node_modules\//, '')}:${frame.lineNumber + 1}`;
}

/** Summarises `.cpuprofile` files, counting only samples taken inside `window` (monotonic µs) when it overlaps. */
export function summarizeProfiles(
  files: readonly string[],
  window?: { readonly start: number; readonly end: number },
): ProfileSummary {
  const self = new Map<string, { frame: CallFrame; self: number; total: number }>();
  let busy = 0;
  let idle = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const inWindow = window !== undefined && window.start < profile.endTime && window.end > profile.startTime;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const selfTime = new Map<number, number>();
    let time = profile.startTime;
    profile.samples.forEach((id, index) => {
      time += profile.timeDeltas[index] ?? 0;
      if (inWindow && (time < window.start || time > window.end)) return;
      // A sample's time is the gap to the next one: attribute each delta to the sample that follows it.
      const delta = profile.timeDeltas[index + 1] ?? 0;
      selfTime.set(id, (selfTime.get(id) ?? 0) + delta);
    });
    // Inclusive time: a node's own samples and those of everything below it.
    const totalTime = new Map<number, number>();
    const totalOf = (id: number): number => {
      const known = totalTime.get(id);
      if (known !== undefined) return known;
      const node = nodes.get(id);
      const total = (selfTime.get(id) ?? 0) + (node?.children ?? []).reduce((sum, child) => sum + totalOf(child), 0);
      totalTime.set(id, total);
      return total;
    };
    for (const node of profile.nodes) {
      const { callFrame } = node;
      const own = selfTime.get(node.id) ?? 0;
      if (callFrame.functionName === '(idle)') idle += own;
      else busy += own;
      const key = `${callFrame.functionName}@${callFrame.url}:${callFrame.lineNumber}`;
      const entry = self.get(key) ?? { frame: callFrame, self: 0, total: 0 };
      entry.self += own;
      // A function that is its own ancestor would be counted twice; the request path has no such recursion.
      entry.total += totalOf(node.id);
      self.set(key, entry);
    }
  }
  const share = (microseconds: number) => microseconds / Math.max(busy, 1);
  const entries = [...self.values()]
    .filter(({ frame }) => frame.functionName !== '(idle)' && frame.functionName !== '(root)')
    .map(({ frame, self: own, total }) => ({
      name: frame.functionName || '(anonymous)',
      where: whereOf(frame),
      category: categoryOf(frame),
      selfShare: share(own),
      totalShare: share(total),
    }));
  const categories = new Map<string, number>();
  for (const entry of entries) categories.set(entry.category, (categories.get(entry.category) ?? 0) + entry.selfShare);
  return {
    files,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    bySelf: [...entries].sort((a, b) => b.selfShare - a.selfShare).slice(0, 30),
    kaskByTotal: entries
      .filter((entry) => entry.category === 'kask-ts')
      .sort((a, b) => b.totalShare - a.totalShare)
      .slice(0, 20),
    categories: [...categories.entries()]
      .map(([category, value]) => ({ category, share: value }))
      .sort((a, b) => b.share - a.share),
  };
}

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;

/** One profiled target: what wrk measured and where the CPU went. */
export interface ProfiledRun {
  readonly name: string;
  readonly result: WrkResult;
  readonly summary: ProfileSummary;
}

/** Busy CPU microseconds per request spent in `share` of the busy time. */
function perRequest(run: ProfiledRun, share: number): string {
  return ((share * run.summary.busyMs * 1000) / Math.max(run.result.requests, 1)).toFixed(1);
}

/** The profiles as markdown: CPU per request by category for every run side by side, then the first run in detail. */
export function renderProfile(runs: readonly ProfiledRun[], description: string): string {
  const [main] = runs;
  if (main === undefined) return '';
  const lines = [`CPU profiles under ${description}`, ''];
  for (const run of runs) {
    const perSecond = run.result.requests / (run.result.duration_us / 1e6);
    lines.push(
      `- ${run.name}: ${Math.round(perSecond)} req/s while profiled, statuses ${JSON.stringify(run.result.statuses)}; ` +
        `busy ${run.summary.busyMs.toFixed(0)} ms, idle ${run.summary.idleMs.toFixed(0)} ms = ` +
        `${perRequest(run, 1)} µs of CPU per request. Profiles: ${run.summary.files.join(', ')}`,
    );
  }
  const categories = [...new Set(runs.flatMap((run) => run.summary.categories.map((c) => c.category)))];
  const shareOf = (run: ProfiledRun, category: string) => run.summary.categories.find((c) => c.category === category)?.share ?? 0;
  categories.sort((a, b) => shareOf(main, b) - shareOf(main, a));
  lines.push(
    '',
    `| category (self time) | ${runs.map((run) => `${run.name}: µs/request (share)`).join(' | ')} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
    ...categories
      .slice(0, 18)
      .map(
        (category) =>
          `| ${category} | ${runs.map((run) => `${perRequest(run, shareOf(run, category))} (${percent(shareOf(run, category))})`).join(' | ')} |`,
      ),
    '',
    `${main.name}: top functions by self time (shares of busy time)`,
    '',
    '| function | where | self | total |',
    '|---|---|---:|---:|',
    ...main.summary.bySelf.map((e) => `| ${e.name} | ${e.where} | ${percent(e.selfShare)} | ${percent(e.totalShare)} |`),
    '',
    `${main.name}: its own functions by total time (callees included)`,
    '',
    '| function | where | self | total |',
    '|---|---|---:|---:|',
    ...main.summary.kaskByTotal.map((e) => `| ${e.name} | ${e.where} | ${percent(e.selfShare)} | ${percent(e.totalShare)} |`),
  );
  return `${lines.join('\n')}\n`;
}

const monotonicMicroseconds = () => Number(process.hrtime.bigint() / 1000n);

/** Runs `target` under `node --cpu-prof`, and summarises the samples of the measured run only. */
async function profileTarget(
  makeTarget: (nodeOptions: readonly string[]) => HttpTarget,
  options: BenchOptions,
  connections: number,
): Promise<ProfiledRun> {
  const directory = mkdtempSync(join(tmpdir(), 'kask-bench-profile-'));
  const target = makeTarget(['--cpu-prof', `--cpu-prof-dir=${directory}`]);
  const workload = workloadNamed('mix');
  const server = await target.start(workload, options.workers[0] ?? 1);
  const run = { ...server, workload, keys: options.keys, connections, threads: options.wrkThreads };
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
  if (files.length === 0) throw new Error(`${target.name} wrote no .cpuprofile in ${directory}`);
  return { name: target.name, result, summary: summarizeProfiles(files, window) };
}

/**
 * CPU-profiles kask-ts on the embedded store under the mix at 64 connections (or the first listed; start-up, key loading
 * and warm-up excluded), and the HTTP ceiling the same way, so that each cost shows per request next to fastify's.
 */
export async function profileRequestPath(options: BenchOptions): Promise<string> {
  ensureWrk(options.installWrk);
  const connections = options.connections.includes(64) ? 64 : (options.connections[0] ?? 64);
  const configKeys = await serverConfigKeys();
  const runs: ProfiledRun[] = [];
  if (options.embedded) {
    runs.push(await profileTarget((nodeOptions) => kaskTarget('embedded', configKeys, { nodeOptions }), options, connections));
  }
  const cassandra =
    options.cassandra === 'on' || (options.cassandra === 'auto' && (await cassandraAnswers(options.cassandraLocation)));
  if (cassandra) {
    await ensureBenchSchema(options.cassandraLocation);
    const location = options.cassandraLocation;
    runs.push(
      await profileTarget(
        (nodeOptions) => kaskTarget('cassandra', configKeys, { nodeOptions, cassandra: location }),
        options,
        connections,
      ),
    );
  }
  if (options.fastify) runs.push(await profileTarget((nodeOptions) => fastifyCeiling({ nodeOptions }), options, connections));
  const description = `\`mix\` at ${connections} connections for ${options.seconds} s (workers ${options.workers[0] ?? 1})`;
  return renderProfile(runs, description);
}
