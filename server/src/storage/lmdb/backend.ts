import { describeError } from '../../logging/logging.js';
import { directory, integer } from '../../validation/rules.js';
import { section } from '../../validation/sections.js';
import type { Backend, StoredNamespace } from '../backend.js';
import { statfsOf } from './space.js';

const settings = section('The embedded LMDB store', {
  path: directory(
    "Directory of the LMDB files (a relative path leads from the configuration file's directory; without a file, from the working directory); each write is flushed to disk (fdatasync) before its 201. Keys are stored as their UTF-8 bytes: a file written by an earlier build (lmdb-js's default key encoding) still serves its keys, except those that began with a control character or held one of U+0000-U+0004, which are no longer found and are purged when they expire",
    './data',
  ),
  purge_interval_ms: integer('Milliseconds between background purges of expired values', 60000, 100),
});

/** The `embedded:` section as validated. */
export type EmbeddedSettings = ReturnType<typeof settings.parse>;

/** A namespace's LMDB database: a named one, or the main database for Kask's single namespace. */
function databaseOf(namespace: StoredNamespace): string | undefined {
  return namespace.table;
}

/** The embedded store: one LMDB environment, a database per namespace. */
export const lmdbBackend: Backend<EmbeddedSettings> = {
  settings,
  // LMDB's key limit with its default page size.
  maxKeyBytes: 1978,
  // Expiry is stored as milliseconds in a float64: any TTL an integer of seconds can give.
  maxTtlSeconds: Number.MAX_SAFE_INTEGER,
  maintainedByOneProcess: true,
  async open(embedded, namespaces, maintain, log) {
    const { openEmbeddedDatabases } = await import('./lmdb.js');
    return openEmbeddedDatabases(
      { path: embedded.path, purgeIntervalMs: maintain ? embedded.purge_interval_ms : undefined },
      namespaces.map(databaseOf),
      {
        quotas: namespaces.map((namespace) => namespace.quota),
        onPurgeFailure: (error) =>
          log.warn(describeError(error), 'purge of expired values failed; tried again at the next interval'),
      },
    );
  },
  describe(embedded, namespace) {
    const database = databaseOf(namespace);
    return `${database === undefined ? 'the main database' : `the database ${database}`} of the embedded store in ${embedded.path}`;
  },
  async truncate(embedded, namespace) {
    // In one transaction, of a store that exists: a path that leads elsewhere must not make an empty one to clear.
    const { openEmbeddedDatabases } = await import('./lmdb.js');
    const [store] = openEmbeddedDatabases({ path: embedded.path, purgeIntervalMs: undefined, existing: true }, [
      databaseOf(namespace),
    ]);
    try {
      await store?.clear();
    } finally {
      await store?.close();
    }
  },
  async census(embedded, namespaces) {
    // Of a store that exists: a path that leads elsewhere must not make an empty one to count. A namespace whose
    // database was never made (added to the file since the server started) holds nothing.
    const { openEmbeddedDatabases, presentDatabases } = await import('./lmdb.js');
    const databases = namespaces.map(databaseOf);
    const present = await presentDatabases(embedded.path, databases);
    const stores = openEmbeddedDatabases(
      { path: embedded.path, purgeIntervalMs: undefined, existing: true },
      databases.filter((_, i) => present[i]),
    );
    try {
      const censuses = await Promise.all(stores.map((store) => store.census()));
      const filesystem = statfsOf(embedded.path);
      const none = { keys: 0, bytes: 0, writtenBytes: 0, estimated: false, filesystem };
      return present.map((isPresent) => (isPresent ? censuses.shift() : none));
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  },
  databaseHosts: () => [],
};
