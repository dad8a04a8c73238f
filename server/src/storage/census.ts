import { Counter, Gauge, type Registry } from 'prom-client';
import type { Quota } from './backend.js';
import type { Census, Storage } from './storage.js';

// What each namespace holds, read from its store when /metrics is scraped (never a key). Every worker reads the
// same store, so the workers' values are not summed: the service reports the largest (the latest).

/** A namespace whose census the metrics report. */
export interface CensusSource {
  readonly name: string;
  readonly storage: Storage;
  readonly quota: Quota;
}

/** The share of each quota a namespace uses, by the quota's key. */
export function quotaShares(census: Census, quota: Quota): { max_bytes?: number; max_keys?: number } {
  return {
    ...(quota.maxBytes === undefined ? {} : { max_bytes: census.bytes / quota.maxBytes }),
    ...(quota.maxKeys === undefined ? {} : { max_keys: census.keys / quota.maxKeys }),
  };
}

/**
 * A namespace's census as `kask-ts stats` prints it, from two readings `seconds` apart (null: the backend cannot
 * tell; a figure null: the backend keeps no such count, see Census).
 */
export function censusReport(first: Census | undefined, second: Census | undefined, seconds: number, quota: Quota) {
  if (first === undefined || second === undefined) return null;
  return {
    keys: second.keys,
    bytes: second.bytes,
    estimated: second.estimated,
    written_bytes_per_second:
      first.writtenBytes === undefined || second.writtenBytes === undefined
        ? null
        : Math.max(0, second.writtenBytes - first.writtenBytes) / seconds,
    quota_used_share: quotaShares(second, quota),
    filesystem:
      second.filesystem === undefined
        ? null
        : { free_bytes: second.filesystem.freeBytes, size_bytes: second.filesystem.sizeBytes },
  };
}

type Labels = Record<string, string>;

/**
 * Each metric's name, help, labels, and its values of one namespace's census; a counter when its value only grows
 * (Prometheus takes its rate(), and reads a drop as a reset: a truncate), else a gauge.
 */
const metrics: readonly {
  readonly counter?: true;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly values: (census: Census, source: CensusSource) => readonly [Labels, number][];
}[] = [
  {
    name: 'kask_resident_keys',
    help: "Keys a namespace holds (expired ones until purged): counted on the embedded store, Cassandra's size estimates on Cassandra",
    labelNames: ['namespace'],
    values: (census, { name }) => [[{ namespace: name }, census.keys]],
  },
  {
    name: 'kask_resident_bytes',
    help: "Bytes of the keys and values a namespace holds: counted on the embedded store, Cassandra's size estimates (of partitions on disk) on Cassandra",
    labelNames: ['namespace'],
    values: (census, { name }) => [[{ namespace: name }, census.bytes]],
  },
  {
    counter: true,
    name: 'kask_stored_written_bytes_total',
    help: 'Bytes of keys and values written to a namespace since its count began, every worker and restart included (its rate: bytes written per second); embedded store only (Cassandra keeps no such count)',
    labelNames: ['namespace'],
    values: (census, { name }) => (census.writtenBytes === undefined ? [] : [[{ namespace: name }, census.writtenBytes]]),
  },
  {
    name: 'kask_quota_used_ratio',
    help: 'The share of a namespace quota in use (1: writes that would grow it are refused), by quota (max_bytes, max_keys)',
    labelNames: ['namespace', 'quota'],
    values: (census, source) =>
      Object.entries(quotaShares(census, source.quota)).map(([quota, share]) => [{ namespace: source.name, quota }, share]),
  },
  {
    name: 'kask_filesystem_free_bytes',
    help: "Bytes free (to the service's user) on the filesystem of a namespace's store; embedded store only (Cassandra's disks are its nodes')",
    labelNames: ['namespace'],
    values: (census, { name }) => (census.filesystem === undefined ? [] : [[{ namespace: name }, census.filesystem.freeBytes]]),
  },
  {
    name: 'kask_filesystem_size_bytes',
    help: "Size in bytes of the filesystem of a namespace's store; embedded store only",
    labelNames: ['namespace'],
    values: (census, { name }) => (census.filesystem === undefined ? [] : [[{ namespace: name }, census.filesystem.sizeBytes]]),
  },
];

/** Registers the census metrics in `registry`, every namespace's census read once per scrape for all of them. */
export function registerCensus(registry: Registry, sources: readonly CensusSource[]): void {
  // prom-client collects every metric of a scrape at once: the metrics share one reading.
  let reading: Promise<(Census | undefined)[]> | undefined;
  const read = () => {
    reading ??= Promise.all(sources.map((source) => source.storage.census().catch(() => undefined))).finally(() => {
      reading = undefined;
    });
    return reading;
  };
  for (const { counter, name, help, labelNames, values } of metrics) {
    // The value is the store's, read at each scrape: a counter is set to it as a gauge is (reset, then raised to it).
    const settings = {
      name,
      help,
      labelNames,
      // Every worker reads the same store: the largest of their values, not their sum.
      aggregator: 'max' as const,
      registers: [registry],
      async collect(this: Gauge | Counter) {
        const censuses = await read();
        this.reset();
        for (const [i, census] of censuses.entries()) {
          if (census === undefined) continue;
          for (const [labels, value] of values(census, sources[i] as CensusSource)) {
            if (this instanceof Gauge) this.set(labels, value);
            else this.inc(labels, value);
          }
        }
      },
    };
    if (counter) new Counter(settings);
    else new Gauge(settings);
  }
}
