import type { WrkResult } from '../src/wrk.js';
import type { ProfileSummary } from './summary.js';

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
  // By the largest share in any run: a package that only one target uses (cassandra-driver) stays in the table.
  const largestShare = (category: string) => Math.max(...runs.map((run) => shareOf(run, category)));
  categories.sort((a, b) => largestShare(b) - largestShare(a));
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
