import type { Metrics } from '../metrics.js';
import { type Storage, StorageError } from './storage.js';

type Operation = 'get' | 'set' | 'delete' | 'add' | 'compare_and_set' | 'touch';

/** Wraps `storage` so that every data operation is timed and every failure counted, by backend and operation. */
export function instrumentStorage(storage: Storage, metrics: Pick<Metrics, 'storageDuration' | 'storageErrors'>): Storage {
  const backend = storage.backend;
  async function timed<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    const end = metrics.storageDuration.startTimer({ backend, operation });
    try {
      return await run();
    } catch (error) {
      const kind = error instanceof StorageError ? error.kind : 'fault';
      metrics.storageErrors.inc({ backend, operation, kind });
      throw error;
    } finally {
      end();
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
    touch: (key, ttlSeconds) => timed('touch', () => storage.touch(key, ttlSeconds)),
    ping: () => storage.ping(),
    close: () => storage.close(),
  };
}
