import type { Logger } from 'pino';
import type { SectionRule } from '../validation/sections.js';
import type { Census, Storage } from './storage.js';

// What a backend is to the rest of the service: one entry of the registry (registry.ts) says everything the
// configuration, start-up, the cluster and the commands need to know of it. Adding a backend is its folder, its
// entry, and its run of the conformance suite.

/** A namespace as storage sees it: its name, and where the operator put it. */
export interface StoredNamespace {
  readonly name: string;
  /**
   * Its table (Cassandra) or database (LMDB), as the configuration names it; `undefined` for Kask's single
   * namespace, which each backend stores where Kask stores it (so that an existing store keeps its sessions).
   */
  readonly table: string | undefined;
  /** The most it may hold; writes beyond it are refused (StorageFullError). */
  readonly quota: Quota;
  /**
   * Kept apart from the other namespaces (one on a port of its own, whose processes may be nice): on the embedded
   * store, in an environment of its own, whose writes never wait for the others' write lock.
   */
  readonly apart: boolean;
}

/** A namespace's quota: the most bytes (keys and values) and keys it may hold; undefined: no limit. */
export interface Quota {
  readonly maxBytes: number | undefined;
  readonly maxKeys: number | undefined;
}

/** A storage backend, `Settings` being its configuration section as validated. */
export interface Backend<Settings> {
  /** Its configuration section, under the backend's name (`embedded:`, `cassandra:`). */
  readonly settings: SectionRule<Settings>;
  /** The longest key it stores, in bytes of UTF-8. */
  readonly maxKeyBytes: number;
  /** The longest TTL it stores, in seconds. */
  readonly maxTtlSeconds: number;
  /**
   * Whether its stores need upkeep that one process does for all (the embedded store purges expired values;
   * Cassandra expires its own): with several workers, the primary holds the stores open to do it.
   */
  readonly maintainedByOneProcess: boolean;
  /**
   * Opens every namespace's store, in order, over one connection; `maintain`: this process does the upkeep. A
   * backend that connects in the background says on `log` why it cannot serve (and that it can, once it can).
   * Its code (a driver, a native module) loads here: a process loads only the backend it serves from (measured:
   * cassandra-driver adds 27 MiB of RSS to a process, lmdb 5 MiB and 16 MiB of buffers).
   */
  open(settings: Settings, namespaces: readonly StoredNamespace[], maintain: boolean, log: Logger): Promise<Storage[]>;
  /** Where a namespace's values are, as an operator names them. */
  describe(settings: Settings, namespace: StoredNamespace): string;
  /** Removes every value of a namespace. */
  truncate(settings: Settings, namespace: StoredNamespace): Promise<void>;
  /** What each namespace holds (`kask-ts stats`), in order; undefined for one the backend cannot count cheaply. */
  census(settings: Settings, namespaces: readonly StoredNamespace[]): Promise<(Census | undefined)[]>;
  /** The hosts of its database's servers, none when it runs in the service's own processes. */
  databaseHosts(settings: Settings): readonly string[];
}
