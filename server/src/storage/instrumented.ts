import type { Metrics } from '../metrics.js';
import { type Storage, StorageError } from './storage.js';

type Operation = 'get' | 'set' | 'delete';

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
    ping: () => storage.ping(),
    close: () => storage.close(),
  };
}
