import type { components } from '../generated/openapi.js';
import { undercountBound } from './frequent-keys.js';
import { keysByWrites } from './key-sample.js';
import { frequentCapacity, type KeyWritesReport } from './key-writes.js';

/** The answer of /insight, as the document declares it. */
export type InsightAnswer = components['schemas']['Insight'];

/** The settings the answer reports with. */
export interface InsightSettings {
  readonly window_seconds: number;
  readonly top_keys: number;
}

/** /insight's answer for the service's key writes: per namespace, its writes, keys by writes and top keys. */
export function insightAnswer(report: KeyWritesReport, { window_seconds, top_keys }: InsightSettings): InsightAnswer {
  const namespaces = Object.entries(report).map(([name, { frequent, sample }]) => [
    name,
    {
      writes: frequent.total,
      keys_by_writes: keysByWrites(sample),
      keys_sampled_one_in: 2 ** sample.level,
      top_keys: [...frequent.counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, top_keys)
        .map(([key_hash, writes]) => ({ key_hash, writes })),
      // A true count is a whole number: the bound's fraction can never be reached.
      top_keys_error_bound: Math.floor(undercountBound(frequent, frequentCapacity)),
    },
  ]);
  return { window_seconds, namespaces: Object.fromEntries(namespaces) };
}
