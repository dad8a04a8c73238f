import { type Config, ConfigError } from '../config.js';
import { embeddedMaxKeyBytes, openEmbeddedStorage } from './lmdb.js';
import type { Storage } from './storage.js';

/** Opens the configured backend; `maintain` makes this process the one that purges expired values. */
export async function openStorage(config: Config, { maintain }: { maintain: boolean }): Promise<Storage> {
  switch (config.storage) {
    case 'embedded':
      if (config.max_key_bytes > embeddedMaxKeyBytes) {
        throw new ConfigError(`max_key_bytes: at most ${embeddedMaxKeyBytes} on the embedded store (LMDB's key limit)`);
      }
      return openEmbeddedStorage({
        path: config.embedded.path,
        purgeIntervalMs: maintain ? config.embedded.purge_interval_ms : undefined,
      });
    case 'cassandra':
      throw new ConfigError('storage: the cassandra backend is not available in this build yet; use storage: embedded');
  }
}
