import { join } from 'node:path';
import { describeError } from '../../logging/logging.js';
import { directory, integer } from '../../validation/rules.js';
import { section } from '../../validation/sections.js';
import type { Backend, StoredNamespace } from '../backend.js';
import type { Census } from '../storage.js';
import type { EmbeddedStorage } from './lmdb.js';
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

/**
 * The directory of a namespace's LMDB environment: embedded.path, or for a namespace kept apart a directory of its
 * own in it, named after it. An environment's writes take turns under one lock across processes: a nice process
 * holding it while the kernel runs others (what nice is for) would hold up every other port's writes.
 */
function environmentOf(embedded: EmbeddedSettings, namespace: StoredNamespace): string {
  return namespace.apart ? join(embedded.path, namespace.name) : embedded.path;
}

/** `open` of each environment with its namespaces, once each; what it gives, in the order of `namespaces`. */
function inEachEnvironment<T>(
  embedded: EmbeddedSettings,
  namespaces: readonly StoredNamespace[],
  open: (path: string, namespaces: readonly StoredNamespace[]) => T[],
): T[] {
  const environments = new Map<string, StoredNamespace[]>();
  for (const namespace of namespaces) {
    const path = environmentOf(embedded, namespace);
    environments.set(path, [...(environments.get(path) ?? []), namespace]);
  }
  const opened = new Map<StoredNamespace, T>();
  for (const [path, members] of environments) {
    for (const [i, item] of open(path, members).entries()) opened.set(members[i] as StoredNamespace, item);
  }
  return namespaces.map((namespace) => opened.get(namespace) as T);
}

/** The embedded store: an LMDB environment (and one for each namespace kept apart), a database per namespace. */
export const lmdbBackend: Backend<EmbeddedSettings> = {
  settings,
  // LMDB's key limit with its default page size.
  maxKeyBytes: 1978,
  // Expiry is stored as milliseconds in a float64: any TTL an integer of seconds can give.
  maxTtlSeconds: Number.MAX_SAFE_INTEGER,
  maintainedByOneProcess: true,
  async open(embedded, namespaces, maintain, log) {
    const { openEmbeddedDatabases } = await import('./lmdb.js');
    return inEachEnvironment(embedded, namespaces, (path, members) =>
      openEmbeddedDatabases(
        { path, purgeIntervalMs: maintain ? embedded.purge_interval_ms : undefined },
        members.map(databaseOf),
        {
          quotas: members.map((namespace) => namespace.quota),
          onPurgeFailure: (error) =>
            log.warn(describeError(error), 'purge of expired values failed; tried again at the next interval'),
        },
      ),
    );
  },
  describe(embedded, namespace) {
    const database = databaseOf(namespace);
    return `${database === undefined ? 'the main database' : `the database ${database}`} of the embedded store in ${environmentOf(embedded, namespace)}`;
  },
  async truncate(embedded, namespace) {
    // In one transaction, of a store that exists: a path that leads elsewhere must not make an empty one to clear.
    const { openEmbeddedDatabases } = await import('./lmdb.js');
    const [store] = openEmbeddedDatabases(
      { path: environmentOf(embedded, namespace), purgeIntervalMs: undefined, existing: true },
      [databaseOf(namespace)],
    );
    try {
      await store?.clear();
    } finally {
      await store?.close();
    }
  },
  async census(embedded, namespaces) {
    // Of a store that exists: a path that leads elsewhere must not make an empty one to count. A namespace whose
    // database was never made (added to the file since the server started) holds nothing. One at a time: an
    // environment is opened once in a process at a time.
    const { openEmbeddedDatabases, presentDatabases } = await import('./lmdb.js');
    const censuses: Census[] = [];
    for (const namespace of namespaces) {
      const path = environmentOf(embedded, namespace);
      const database = databaseOf(namespace);
      const [present] = await presentDatabases(path, [database]);
      if (!present) {
        censuses.push({ keys: 0, bytes: 0, writtenBytes: 0, estimated: false, filesystem: statfsOf(path) });
        continue;
      }
      const [store] = openEmbeddedDatabases({ path, purgeIntervalMs: undefined, existing: true }, [database]);
      try {
        censuses.push(await (store as EmbeddedStorage).census());
      } finally {
        await store?.close();
      }
    }
    return censuses;
  },
  databaseHosts: () => [],
};
