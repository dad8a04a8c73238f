// What kask-ts's own /metrics tell of a round, to find where a slow request spent its time: its event loop's
// delay and garbage collection (prom-client's default metrics: monitorEventLoopDelay, a PerformanceObserver of
// GC), and the share of requests that were slow inside the server and inside the storage, next to what vegeta saw.

import { eventLoopResolutionMs } from '../../server/src/metrics/metrics.js';

/** Samples of a Prometheus text exposition: `name{labels}` (as written) to value. */
export type Samples = ReadonlyMap<string, number>;

/** Parses the samples of a Prometheus text exposition (comments and blank lines skipped). */
export function parseSamples(text: string): Samples {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (space > 0 && !Number.isNaN(value)) samples.set(line.slice(0, space), value);
  }
  return samples;
}

/** The sum of every sample of metric `name` whose labels include each of `labels` (`le="0.01"`), in `samples`. */
function total(samples: Samples, name: string, labels: readonly string[] = []): number {
  let sum = 0;
  for (const [series, value] of samples) {
    const brace = series.indexOf('{');
    const seriesName = brace < 0 ? series : series.slice(0, brace);
    if (seriesName === name && labels.every((label) => series.includes(label))) sum += value;
  }
  return sum;
}

/** A round as kask-ts saw it. */
export interface ServerView {
  /** Event-loop delay over the round (prom-client resets its histogram at each scrape): p99 and max, ms. */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Milliseconds of garbage collection per second of the round, all kinds and major collections alone. */
  readonly gcMsPerSecond: number;
  readonly majorGcMsPerSecond: number;
  /** The share of session requests the server took more than 10 ms to answer, and of storage operations over 10 ms. */
  readonly requestsOver10ms: number;
  readonly storageOver10ms: number;
}

/** The share of a histogram's observations between two scrapes that were above bucket `le`. */
function shareAbove(before: Samples, after: Samples, histogram: string, le: string): number {
  const count = total(after, `${histogram}_count`) - total(before, `${histogram}_count`);
  const within = total(after, `${histogram}_bucket`, [`le="${le}"`]) - total(before, `${histogram}_bucket`, [`le="${le}"`]);
  return count <= 0 ? 0 : (count - within) / count;
}

/** The event loop's delay in a reading of prom-client's monitor, which counts its own timer's interval too. */
const loopDelayMs = (seconds: number) => Math.max(0, seconds * 1000 - eventLoopResolutionMs);

/** What the server's metrics say of the `seconds` between scrapes `before` and `after`; none for a server without kask-ts's metrics. */
export function serverView(before: Samples, after: Samples, seconds: number): ServerView | undefined {
  if (!after.has('nodejs_eventloop_lag_p99_seconds')) return undefined;
  const gc = (labels: string[]) =>
    (total(after, 'nodejs_gc_duration_seconds_sum', labels) - total(before, 'nodejs_gc_duration_seconds_sum', labels)) * 1000;
  return {
    loopDelayP99Ms: loopDelayMs(total(after, 'nodejs_eventloop_lag_p99_seconds')),
    loopDelayMaxMs: loopDelayMs(total(after, 'nodejs_eventloop_lag_max_seconds')),
    gcMsPerSecond: gc([]) / seconds,
    majorGcMsPerSecond: gc(['kind="major"']) / seconds,
    requestsOver10ms: shareAbove(before, after, 'http_request_duration_seconds', '0.01'),
    storageOver10ms: shareAbove(before, after, 'kask_storage_operation_duration_seconds', '0.01'),
  };
}

/** The samples of the server's /metrics at `origin`, or none when it has none. */
export async function scrape(origin: string): Promise<Samples> {
  try {
    const response = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(5000) });
    return parseSamples(response.ok ? await response.text() : '');
  } catch {
    return new Map();
  }
}
