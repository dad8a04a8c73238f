import { type BenchReport, cpuPerRequestUs, type Measurement } from './run.js';
import { workloadNamed } from './workloads.js';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function milliseconds(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '—' : `${value.toFixed(2)}×`;
}

/** "none", or each unexpected status and error with its count and share, flagged. */
function unexpectedText(row: Measurement): string {
  const entries = Object.entries(row.unexpected);
  if (entries.length === 0) return 'none';
  const total = Math.max(row.total, 1);
  const parts = entries.map(([what, count]) => {
    const share = (100 * count) / total;
    return `${what}: ${integer.format(count)}${/^\d+$/.test(what) ? ` (${share < 0.1 ? '<0.1' : share.toFixed(1)}%)` : ''}`;
  });
  return `⚠ ${parts.join(', ')}`;
}

const cores = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(2));

/** Cores busy during the run: the server's, wrk's, the Cassandra node's and everything else's (noise). */
function cpuText(row: Measurement): string {
  if (row.kind === 'storage-ceiling') return `— / — / ${cores(row.storageNodeCores)} / —`;
  return `${cores(row.resources?.cores)} / ${cores(row.generatorCores)} / ${cores(row.storageNodeCores)} / ${cores(row.otherCores)}`;
}

// NOTE: every process of a run shares this machine's cores, so the CPU that one request costs them all together
// bounds the rate: at S µs per request, N cores serve at most N × 10⁶ / S requests a second, however the work is
// spread. A target that is far below its bound waits for something else (latency, a lock, a queue); one near it
// is out of CPU, and only a cheaper request (or more cores) makes it faster. The bound on the rate bounds the
// latency too (Little's law): C connections that each wait for their answer, served at most R a second, wait at
// least C / R on average.
/** The CPU budget of each row that ran against the Cassandra node on this machine, in µs per request. */
function cpuBudget(report: BenchReport): string[] {
  const rows = report.measurements.filter(
    (row) =>
      row.failure === undefined &&
      row.kind !== 'http-ceiling' &&
      row.storageNodeCores !== undefined &&
      row.backend !== 'embedded',
  );
  if (rows.length === 0) return [];
  const us = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(0));
  const lines = [
    '',
    `CPU budget of kask-ts on Cassandra, its storage ceiling and every --url server (assumed to use the same node), ` +
      `with the Cassandra node on this machine, in µs of CPU per request (or storage ` +
      `operation), all sharing its ${report.cores} cores; "waiting for a core": the share of the run that the server's ` +
      "busiest thread (the one that ran longest: Node.js's event loop, one of Go's threads) was runnable but had no core.",
    '',
    `| workload | conns | workers | target | req/s | server (ceiling: its process) | wrk | Cassandra node | sum | most req/s ${report.cores} cores allow at that sum | least mean latency at that rate, ms | server waiting for a core |`,
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const server = row.cpuPerRequestUs;
    const generator = cpuPerRequestUs(row.generatorCores, row.perSecond);
    const node = cpuPerRequestUs(row.storageNodeCores, row.perSecond);
    const parts = [server, node, ...(row.kind === 'storage-ceiling' ? [] : [generator])];
    const known = parts.filter((part) => part !== undefined);
    const sum = known.length === parts.length ? known.reduce((a, b) => a + b, 0) : undefined;
    const waiting = row.resources?.waitingForCpu;
    const mostPerSecond = sum === undefined || sum <= 0 ? undefined : (report.cores * 1e6) / sum;
    lines.push(
      [
        `| ${row.workload} | ${row.connections} | ${row.kind === 'storage-ceiling' ? '—' : row.workers} | ${row.target}`,
        integer.format(row.perSecond),
        us(server),
        row.kind === 'storage-ceiling' ? '—' : us(generator),
        us(node),
        sum === undefined ? '—' : integer.format(sum),
        mostPerSecond === undefined ? '—' : integer.format(mostPerSecond),
        mostPerSecond === undefined ? '—' : ((1000 * row.connections) / mostPerSecond).toFixed(1),
        waiting === undefined ? '—' : `${(100 * waiting).toFixed(0)}%`,
        '',
      ]
        .join(' | ')
        .trimEnd(),
    );
  }
  return lines;
}

// Runs during which other processes kept more than this busy are flagged as noisy.
const noisyOtherCores = 0.25;

function sameRun(a: Measurement, b: Measurement): boolean {
  return a.workload === b.workload && a.connections === b.connections;
}

/** The HTTP ceiling and storage ceiling rows a row is compared with. */
function ceilingsOf(row: Measurement, rows: readonly Measurement[]): { http?: Measurement; storage?: Measurement } {
  const usable = (candidate: Measurement) => candidate.failure === undefined && candidate.perSecond > 0;
  return {
    http: rows.find((c) => c.kind === 'http-ceiling' && sameRun(c, row) && c.workers === row.workers && usable(c)),
    storage:
      row.backend === undefined
        ? undefined
        : rows.find((c) => c.kind === 'storage-ceiling' && sameRun(c, row) && c.backend === row.backend && usable(c)),
  };
}

/** The report as markdown: what was run, one table of every measurement, and the notes. */
export function renderMarkdown(report: BenchReport): string {
  const { options, measurements } = report;
  const lines: string[] = [];
  lines.push(`kask-ts benchmark, ${report.startedAt}, ${report.machine}`, '');
  lines.push(
    `wrk with ${options.wrkThreads} thread(s) on the same machine; ${options.seconds} s per run after a ${options.warmupSeconds} s warm-up; ` +
      `${integer.format(options.keys)} keys stored before each workload, so every read should hit. Storage ceilings: the same ` +
      'operations and concurrency (= connections) straight on the storage, in one process, no HTTP.',
    '',
  );
  for (const workload of options.workloads) lines.push(`- \`${workload.name}\`: ${workload.description}`);
  lines.push('');
  lines.push(
    '| workload | conns | workers | target | req/s | p50 ms | p99 ms | p99.9 ms | unexpected statuses / errors | RSS peak MiB | CPU cores server / wrk / Cassandra node / other | server CPU µs/req | server instructions/req | × HTTP ceiling | × storage ceiling |',
    '|---|---:|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const row of measurements) {
    const head = `| ${row.workload} | ${row.connections} | ${row.kind === 'storage-ceiling' ? '—' : row.workers} | ${row.target}`;
    if (row.failure !== undefined) {
      lines.push(`${head} | failed: see the notes | | | | | | | | | | |`);
      continue;
    }
    const { http, storage } = ceilingsOf(row, measurements);
    const resources = row.resources;
    lines.push(
      [
        head,
        integer.format(row.perSecond),
        milliseconds(row.latencyMs.p50),
        milliseconds(row.latencyMs.p99),
        milliseconds(row.latencyMs.p999),
        unexpectedText(row),
        resources === undefined ? '—' : (resources.peakRssBytes / 2 ** 20).toFixed(0),
        cpuText(row),
        row.cpuPerRequestUs === undefined ? '—' : row.cpuPerRequestUs.toFixed(0),
        row.instructionsPerRequest === undefined ? '—' : `${(row.instructionsPerRequest / 1000).toFixed(1)}k`,
        row.kind === 'server' ? ratio(http && row.perSecond / http.perSecond) : '—',
        row.kind === 'server' ? ratio(storage && row.perSecond / storage.perSecond) : '—',
        '',
      ]
        .join(' | ')
        .trimEnd(),
    );
  }
  lines.push(...cpuBudget(report));
  const flagged = measurements.filter((row) => Object.keys(row.unexpected).length > 0);
  const notes = [...report.notes];
  if (flagged.length > 0) {
    notes.push(
      `⚠ ${flagged.length} run(s) answered statuses the workload should not get, or failed requests: their req/s is not a ` +
        'measure of serving sessions (404 on a read = the key was missing; 503 = storage unavailable; timeout = over 5 s).',
    );
  }
  const noisy = measurements.filter((row) => (row.otherCores ?? 0) > noisyOtherCores);
  if (noisy.length > 0) {
    notes.push(
      `⚠ During ${noisy.length} run(s) other processes kept more than ${noisyOtherCores} of a core busy (the \`other\` CPU figure): ` +
        'those figures are noisy; the ratios, measured side by side, suffer less. Rerun on an idle machine to be sure.',
    );
  }
  for (const row of measurements.filter((r) => r.failure !== undefined))
    notes.push(`${row.target} (${row.workload}, ${row.connections}): ${row.failure}`);
  if (notes.length > 0) lines.push('', ...notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}

/** Problems that mean the benchmark itself did not work (for --smoke): never a judgement of speed. */
export function smokeProblems(report: BenchReport): string[] {
  const problems: string[] = [];
  if (report.measurements.length === 0) problems.push('nothing was measured');
  for (const row of report.measurements) {
    const name = `${row.target} (${row.workload}, ${row.connections} connections)`;
    if (row.failure !== undefined) problems.push(`${name} failed: ${row.failure}`);
    else if (row.total === 0) problems.push(`${name} completed no request`);
    else if (Object.keys(row.unexpected).length > 0) problems.push(`${name}: ${unexpectedText(row)}`);
    if (row.kind !== 'storage-ceiling' && row.failure === undefined) {
      const workload = workloadNamed(row.workload);
      if (workload.reads > 0 && !(row.statuses['200'] ?? 0)) problems.push(`${name}: no read answered 200`);
      if (workload.writes > 0 && !(row.statuses['201'] ?? 0)) problems.push(`${name}: no write answered 201`);
    }
  }
  return problems;
}
