// The production workload's pure parts: Wikimedia's mix as a stream of vegeta targets, and the latencies vegeta
// recorded summarised by operation. No I/O here, so bench/test checks them directly.
import { sessionKey, sessionValue } from './workloads.js';

/** An operation of the production mix, named as the report names it. */
export type Operation = 'GET hit' | 'GET miss' | 'POST' | 'DELETE';

/** The operations in the report's order. */
export const operations: readonly Operation[] = ['GET hit', 'GET miss', 'POST', 'DELETE'];

/** Requests of each operation per second in production, and the sizes. */
export interface ProductionMix {
  readonly perSecond: Readonly<Record<Operation, number>>;
  readonly keyBytes: number;
  readonly valueBytes: number;
}

// NOTE: Wikimedia's sessionstore (T408935, issue 27): per second about 1,700 GET hits, 100 GET misses, 550 POSTs
// of about 2 KiB and 25 DELETEs over 8 pods; 23 % writes. Keys are 32 bytes as in Wikimedia's load test of Kask.
export const wikimediaMix: ProductionMix = {
  perSecond: { 'GET hit': 1700, 'GET miss': 100, POST: 550, DELETE: 25 },
  keyBytes: 32,
  valueBytes: 2048,
};

/** The status a Kask-compatible server answers to each operation. */
export const expectedStatus: Readonly<Record<Operation, number>> = { 'GET hit': 200, 'GET miss': 404, POST: 201, DELETE: 204 };

/** One request in vegeta's JSON targets format (`vegeta attack -format json`): the body is base64. */
export interface VegetaTarget {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly body?: string;
  readonly header?: Readonly<Record<string, readonly string[]>>;
}

// Key prefixes by what the key holds: `k` keys are stored before the run (sessionKey), `m` keys never are, `d` keys
// are written by the stream's own POSTs and deleted later by its DELETEs, so deletes never turn a hit into a miss.
const missPrefix = 'm';
const deletablePrefix = 'd';

function keyWith(prefix: string, index: number, keyBytes: number): string {
  return `${prefix}${String(index).padStart(keyBytes - 1, '0')}`;
}

/** A small deterministic generator (mulberry32): the same stream on every run, so rounds and targets compare. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One second of the mix, shuffled: each operation as often as `mix.perSecond` says. */
export function shuffledSecond(mix: ProductionMix, random: () => number): Operation[] {
  const slots: Operation[] = [];
  for (const operation of operations) for (let i = 0; i < mix.perSecond[operation]; i++) slots.push(operation);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [slots[i], slots[j]] = [slots[j] as Operation, slots[i] as Operation];
  }
  return slots;
}

/**
 * The targets vegeta cycles through: whole seconds of the mix until every one of `keys` stored keys has been read
 * at least once. GET hits pick among the stored keys; GET misses name keys never stored; POSTs walk the stored keys
 * (rewriting the value they hold), except the first of each second, as many as its DELETEs, which write `d` keys;
 * the DELETEs of a second remove the `d` keys the second before wrote (in the first second, keys not written yet:
 * a Kask-compatible server answers 204 all the same).
 */
export function productionTargets(mix: ProductionMix, keys: number, sessionRoute: string, seed = 27): VegetaTarget[] {
  const random = seededRandom(seed);
  const body = sessionValue(mix.valueBytes).toString('base64');
  const header = { 'Content-Type': ['application/octet-stream'] };
  const url = (key: string) => `${sessionRoute}${key}`;
  const deletesPerSecond = mix.perSecond.DELETE;
  const targets: VegetaTarget[] = [];
  let hits = 0;
  let misses = 0;
  let writes = 0;
  for (let second = 0; hits < keys; second++) {
    let deletableWrites = 0;
    let deletes = 0;
    for (const operation of shuffledSecond(mix, random)) {
      if (operation === 'GET hit') {
        targets.push({ method: 'GET', url: url(sessionKey(Math.floor(random() * keys), mix.keyBytes)) });
        hits++;
      } else if (operation === 'GET miss') {
        targets.push({ method: 'GET', url: url(keyWith(missPrefix, misses++, mix.keyBytes)) });
      } else if (operation === 'POST') {
        const key =
          deletableWrites < deletesPerSecond
            ? keyWith(deletablePrefix, second * deletesPerSecond + deletableWrites++, mix.keyBytes)
            : sessionKey(writes++ % keys, mix.keyBytes);
        targets.push({ method: 'POST', url: url(key), body, header });
      } else {
        const key = keyWith(deletablePrefix, Math.max(0, second - 1) * deletesPerSecond + deletes++, mix.keyBytes);
        targets.push({ method: 'DELETE', url: url(key) });
      }
    }
  }
  return targets;
}

/** What the report needs of one result of `vegeta encode --to json`. */
export interface VegetaResult {
  readonly method: string;
  readonly url: string;
  readonly code: number;
  /** Nanoseconds. */
  readonly latency: number;
  readonly timestamp: string;
  readonly error: string;
}

/** The operation a result was, from its method and the prefix of its key. */
export function operationOf(result: Pick<VegetaResult, 'method' | 'url'>): Operation {
  if (result.method === 'POST') return 'POST';
  if (result.method === 'DELETE') return 'DELETE';
  const key = result.url.slice(result.url.lastIndexOf('/') + 1);
  return key.startsWith(missPrefix) ? 'GET miss' : 'GET hit';
}

/** `vegeta encode --to json` output: one result a line. */
export function parseVegetaResults(text: string): VegetaResult[] {
  const results: VegetaResult[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as VegetaResult;
    results.push({
      method: parsed.method,
      url: parsed.url,
      code: parsed.code,
      latency: parsed.latency,
      timestamp: parsed.timestamp,
      error: parsed.error,
    });
  }
  return results;
}

/** Latency percentiles in milliseconds (nearest rank). */
export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** The nearest-rank percentiles of `latenciesNs`, in milliseconds; zeros when there are none. */
export function percentiles(latenciesNs: readonly number[]): Percentiles {
  const sorted = Float64Array.from(latenciesNs).sort();
  const at = (fraction: number) =>
    sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number) / 1e6;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted.length === 0 ? 0 : at(1) };
}

/** One operation's figures in a run (or `all` of them). */
export interface OperationSummary {
  readonly operation: Operation | 'all';
  readonly requests: number;
  readonly latencyMs: Percentiles;
  /** Responses other than the operation's expected status, by status (0: no response) or `error`. */
  readonly unexpected: Readonly<Record<string, number>>;
  /** What vegeta said of the first request that got no response (a refused connection, a timeout), if any. */
  readonly firstError?: string;
}

/** Summarises `results` by operation, then all together. */
export function summarise(results: readonly VegetaResult[]): OperationSummary[] {
  const byOperation = new Map<Operation, VegetaResult[]>(operations.map((operation) => [operation, []]));
  for (const result of results) byOperation.get(operationOf(result))?.push(result);
  const summary = (operation: Operation | 'all', group: readonly VegetaResult[]): OperationSummary => {
    const unexpected: Record<string, number> = {};
    for (const result of group) {
      const expected = expectedStatus[operationOf(result)];
      if (result.code !== expected) unexpected[String(result.code)] = (unexpected[String(result.code)] ?? 0) + 1;
    }
    const firstError = group.find((result) => result.code === 0)?.error;
    return {
      operation,
      requests: group.length,
      latencyMs: percentiles(group.map((result) => result.latency)),
      unexpected,
      ...(firstError === undefined ? {} : { firstError }),
    };
  };
  return [summary('all', results), ...operations.map((operation) => summary(operation, byOperation.get(operation) ?? []))];
}

/** p99 of each whole second of the run (from the first result's send time), to show a cold start settle. */
export function p99BySecond(results: readonly VegetaResult[]): number[] {
  if (results.length === 0) return [];
  const sent = results.map((result) => Date.parse(result.timestamp));
  const start = Math.min(...sent);
  const seconds: number[][] = [];
  results.forEach((result, i) => {
    const second = Math.floor(((sent[i] as number) - start) / 1000);
    const bucket = seconds[second] ?? [];
    bucket.push(result.latency);
    seconds[second] = bucket;
  });
  return Array.from(seconds, (latencies) => percentiles(latencies ?? []).p99);
}
