import type { OperationSummary } from './open-model.js';
import type { ProductionReport, ProductionRound } from './production.js';
import { median } from './rounds.js';

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const optional = (value: number | undefined, digits: number) => (value === undefined ? '—' : value.toFixed(digits));

function unexpectedText(summary: OperationSummary | undefined): string {
  const entries = Object.entries(summary?.unexpected ?? {});
  return entries.length === 0 ? '0' : entries.map(([status, count]) => `${count}×${status}`).join(' ');
}

function latencies(summary: OperationSummary | undefined): string {
  if (summary === undefined || summary.requests === 0) return '— | — | — | — | —';
  const { p50, p90, p99, p999, max } = summary.latencyMs;
  return [p50, p90, p99, p999, max].map(ms).join(' | ');
}

function all(round: ProductionRound): OperationSummary | undefined {
  return round.operations.find((summary) => summary.operation === 'all');
}

/** The report as markdown: per rate, every round of every target, then per operation, then a summary by target. */
export function renderProduction(report: ProductionReport): string {
  const lines = [
    "# Production shape: Wikimedia's mix at a constant rate (vegeta, open model)",
    '',
    `${report.startedAt}, ${report.machine}; ${report.keys} keys, ${report.seconds} s rounds after ${report.warmupSeconds} s of warm-up per rate; ` +
      `load average before ${report.loadBefore.map((load) => load.toFixed(2)).join(' ')}, after ${report.loadAfter.map((load) => load.toFixed(2)).join(' ')}.`,
    '',
    ...report.notes.map((note) => `- ${note}`),
    '',
  ];
  const rates = [...new Set(report.rounds.map((round) => round.rate))];
  for (const rate of rates) {
    const atRate = report.rounds.filter((round) => round.rate === rate);
    lines.push(
      `## ${rate} requests/s`,
      '',
      '| round | target | sent/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | unexpected | server CPU µs/req | RSS peak MiB | waited for a core | Cassandra node cores |',
      '|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|',
    );
    for (const round of atRate) {
      if (round.failure !== undefined) {
        lines.push(`| ${round.round} | ${round.target} | failed: ${round.failure} |||||||||||`);
        continue;
      }
      lines.push(
        `| ${round.round} | ${round.target} | ${round.achievedPerSecond.toFixed(0)} | ${latencies(all(round))} | ${unexpectedText(all(round))} | ` +
          `${optional(round.cpuPerRequestUs, 0)} | ${optional(round.peakRssMiB, 1)} | ` +
          `${round.waitingForCpu === undefined ? '—' : `${(round.waitingForCpu * 100).toFixed(0)}%`} | ${optional(round.storageNodeCores, 2)} |`,
      );
    }
    lines.push(
      '',
      '| round | target | operation | requests | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | unexpected |',
      '|---|---|---|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const round of atRate) {
      for (const summary of round.operations.filter((entry) => entry.operation !== 'all')) {
        lines.push(
          `| ${round.round} | ${round.target} | ${summary.operation} | ${summary.requests} | ${latencies(summary)} | ${unexpectedText(summary)} |`,
        );
      }
    }
    for (const round of atRate) {
      const error = all(round)?.firstError;
      if (error !== undefined) lines.push('', `Round ${round.round}, ${round.target}: first error: ${error}`);
    }
    const viewed = atRate.filter((round) => round.server !== undefined);
    if (viewed.length > 0) {
      lines.push(
        '',
        "Where the time went, from the server's /metrics (event-loop delay p99 / max over the round, GC, requests over 10 ms at the client, in the server, in the storage):",
        '',
        '| round | target | loop delay p99 ms | loop delay max ms | GC ms/s | major GC ms/s | > 10 ms client | > 10 ms server | > 10 ms storage |',
        '|---|---|---:|---:|---:|---:|---:|---:|---:|',
      );
      const share = (value: number) => `${(value * 100).toFixed(2)}%`;
      for (const round of viewed) {
        const view = round.server as NonNullable<ProductionRound['server']>;
        lines.push(
          `| ${round.round} | ${round.target} | ${ms(view.loopDelayP99Ms)} | ${ms(view.loopDelayMaxMs)} | ${view.gcMsPerSecond.toFixed(1)} | ` +
            `${view.majorGcMsPerSecond.toFixed(1)} | ${share(round.over10ms)} | ${share(view.requestsOver10ms)} | ${share(view.storageOver10ms)} |`,
        );
      }
    }
    const cold = atRate.filter((round) => round.round === 'cold' && round.failure === undefined);
    if (cold.length > 0) {
      lines.push('', 'Cold rounds, p99 ms of each second after the start:', '');
      for (const round of cold) lines.push(`- ${round.target}: ${round.p99BySecondMs.map(ms).join(', ')}`);
    }
    lines.push(
      '',
      '| target | rounds | p99 ms median round | p99 ms worst round | p99.9 ms median round | CPU µs/req median |',
      '|---|---:|---:|---:|---:|---:|',
    );
    for (const target of [...new Set(atRate.map((round) => round.target))]) {
      const measured = atRate.filter((round) => round.target === target && round.round !== 'cold' && round.failure === undefined);
      const p99 = measured.map((round) => all(round)?.latencyMs.p99 ?? 0);
      const p999 = measured.map((round) => all(round)?.latencyMs.p999 ?? 0);
      const cpu = measured.flatMap((round) => (round.cpuPerRequestUs === undefined ? [] : [round.cpuPerRequestUs]));
      lines.push(
        `| ${target} | ${measured.length} | ${ms(median(p99))} | ${ms(Math.max(0, ...p99))} | ${ms(median(p999))} | ${cpu.length === 0 ? '—' : median(cpu).toFixed(0)} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
