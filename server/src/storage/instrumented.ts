import type { HistogramChild } from '../metrics/labelled-metrics.js';
import type { Metrics } from '../metrics/metrics.js';
import { type Storage, StorageError } from './storage.js';

type Operation = 'get' | 'set' | 'delete' | 'add' | 'compare_and_set' | 'compare_and_delete' | 'touch';

/** Wraps `namespace`'s `storage` so that every data operation is timed and every failure counted, by namespace, backend and operation. */
export function instrumentStorage(
  storage: Storage,
  namespace: string,
  metrics: Pick<Metrics, 'storageDuration' | 'storageErrors'>,
): Storage {
  const backend = storage.backend;
  // A child is found by serializing its labels: each operation's is looked up once.
  const durations = new Map<Operation, HistogramChild>();
  const durationOf = (operation: Operation) => {
    let child = durations.get(operation);
    if (child === undefined) {
      child = metrics.storageDuration.labels({ namespace, backend, operation });
      durations.set(operation, child);
    }
    return child;
  };
  async function timed<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } catch (error) {
      const kind = error instanceof StorageError ? error.kind : 'fault';
      metrics.storageErrors.inc({ namespace, backend, operation, kind });
      throw error;
    } finally {
      durationOf(operation).observe((performance.now() - started) / 1000);
    }
  }
  return {
    backend,
    get: (key) => timed('get', () => storage.get(key)),
    set: (key, value, ttlSeconds) => timed('set', () => storage.set(key, value, ttlSeconds)),
    delete: (key) => timed('delete', () => storage.delete(key)),
    add: (key, value, ttlSeconds) => timed('add', () => storage.add(key, value, ttlSeconds)),
    compareAndSet: (key, expected, value, ttlSeconds) =>
      timed('compare_and_set', () => storage.compareAndSet(key, expected, value, ttlSeconds)),
    compareAndDelete: (key, expected) => timed('compare_and_delete', () => storage.compareAndDelete(key, expected)),
    touch: (key, ttlSeconds) => timed('touch', () => storage.touch(key, ttlSeconds)),
    ping: () => storage.ping(),
    close: () => storage.close(),
  };
}
