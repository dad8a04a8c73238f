import type { NamespaceMetrics } from '../metrics/namespace-metrics.js';
import { type Storage, StorageError, StorageFullError } from './storage.js';

type Operation = 'get' | 'set' | 'delete' | 'add' | 'compare_and_set' | 'compare_and_delete' | 'touch';

/** Wraps a namespace's `storage` so that every data operation is timed and every failure counted in its `metrics`. */
export function instrumentStorage(storage: Storage, metrics: NamespaceMetrics): Storage {
  async function timed<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } catch (error) {
      metrics.countFailure(operation, error instanceof StorageError ? error.kind : 'fault');
      if (error instanceof StorageFullError) metrics.countRefusal(error.refusal);
      throw error;
    } finally {
      metrics.observeOperation(operation, (performance.now() - started) / 1000);
    }
  }
  return {
    backend: storage.backend,
    get: (key) => timed('get', () => storage.get(key)),
    set: (key, value, ttlSeconds, compare) => timed('set', () => storage.set(key, value, ttlSeconds, compare)),
    delete: (key) => timed('delete', () => storage.delete(key)),
    add: (key, value, ttlSeconds) => timed('add', () => storage.add(key, value, ttlSeconds)),
    compareAndSet: (key, expected, value, ttlSeconds) =>
      timed('compare_and_set', () => storage.compareAndSet(key, expected, value, ttlSeconds)),
    compareAndDelete: (key, expected) => timed('compare_and_delete', () => storage.compareAndDelete(key, expected)),
    touch: (key, ttlSeconds) => timed('touch', () => storage.touch(key, ttlSeconds)),
    ping: () => storage.ping(),
    refusingWrites: () => storage.refusingWrites(),
    census: () => storage.census(),
    close: () => storage.close(),
  };
}
