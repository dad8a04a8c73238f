import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';
import type { Quota } from '../backend.js';
import { type Holding, type QuotaRefusal, QuotaRefusals, quotaRefusal } from '../quotas.js';
import { closedByTheLast } from '../shared.js';
import {
  type Census,
  digestOf,
  type Refusal,
  type SetOutcome,
  type Storage,
  StorageError,
  StorageFullError,
  type StoredValue,
} from '../storage.js';
import { type PageStats, underReserve } from './headroom.js';
import { commitErrorOf, refusalOf, refusalReason, SpaceWatch, statfsOf } from './space.js';
import { isUsageKey, type Usage, usageKey, usageOf, usageValue } from './usage.js';

/** Where the embedded store keeps its files, and how often this process purges expired values. */
export interface EmbeddedOptions {
  readonly path: string;
  /** `undefined` when another process of the service purges (one purger per file is enough). */
  readonly purgeIntervalMs: number | undefined;
  /**
   * Open only a store and databases that exist, creating none (`kask-ts truncate`: a wrong path must not empty a
   * store made on the spot and report success); by default both are created when missing.
   */
  readonly existing?: boolean;
}

// A record is the expiry (milliseconds since the epoch as a float64, 0 = never), the value's SHA-256
// digest and the value, so that a read finds all three in one lookup and no read hashes the value again.
const expiryBytes = 8;
const digestBytes = 32;
const headerBytes = expiryBytes + digestBytes;
const purgeBatchSize = 1000;

function expiryOf(record: Buffer): number {
  return record.readDoubleBE(0);
}

function recordOf(value: Buffer, ttlSeconds: number, digest = digestOf(value)): Buffer {
  const record = Buffer.allocUnsafe(headerBytes + value.length);
  record.writeDoubleBE(ttlSeconds === 0 ? 0 : Date.now() + ttlSeconds * 1000, 0);
  digest.copy(record, expiryBytes);
  value.copy(record, headerBytes);
  return record;
}

/** The expiry a record holds, as a StoredValue gives it. */
function expiresAtOf(record: Buffer): number | undefined {
  const expiry = expiryOf(record);
  return expiry === 0 ? undefined : expiry;
}

function storedValueOf(record: Buffer): StoredValue {
  return {
    value: record.subarray(headerBytes),
    digest: record.subarray(expiryBytes, headerBytes),
    expiresAt: expiresAtOf(record),
  };
}

/** A stored value copied out of a buffer that the next read reuses. */
function copiedStoredValueOf(record: Buffer): StoredValue {
  const value = Buffer.allocUnsafe(record.length - headerBytes);
  record.copy(value, 0, headerBytes, record.length);
  const digest = Buffer.allocUnsafe(digestBytes);
  record.copy(digest, 0, expiryBytes, headerBytes);
  return { value, digest, expiresAt: expiresAtOf(record) };
}

// NOTE: keys are stored as their UTF-8 bytes (lmdb-js's 'binary' key encoding). Its default, 'ordered-binary',
// is not lossless for strings: it prefixes a key whose first character is below 28 with an escape byte, and
// escapes characters up to U+0004 in keys under 64 characters only, so distinct keys could share one record
// (`\x01` + 62 characters and `\x04\x01` + the same 62), and the escapes counted against LMDB's 1978 bytes.
// Keys that earlier builds stored escaped are no longer found and are purged when they expire; every other
// key has the same bytes in both encodings.
function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

/** The bytes a key and its record count for in a database's usage: the key's and the value's. */
function residentBytes(key: Uint8Array, record: Uint8Array | undefined): number {
  return record === undefined ? 0 : key.length + record.length - headerBytes;
}

/** The size of LMDB's record of a named database in the main database (an MDB_db on a 64-bit machine). */
const databaseRecordBytes = 48;

/**
 * Whether `record` of the main database is LMDB's record of a named database rather than a value: the main database
 * holds one per named database (a Kask-style file on a store that a file of namespaces wrote too), which must count
 * in no census or quota, and which the purge cannot remove (MDB_INCOMPATIBLE fails its whole transaction). A value's
 * record of that size holds the digest of its 8 bytes; an MDB_db (page counts, not a digest) does not.
 */
function isDatabaseRecord(record: Buffer): boolean {
  if (record.length !== databaseRecordBytes) return false;
  return !digestOf(record.subarray(headerBytes)).equals(record.subarray(expiryBytes, headerBytes));
}

function isExpired(record: Buffer, now: number): boolean {
  const expiry = expiryOf(record);
  return expiry !== 0 && expiry <= now;
}

/** Whether the purge removes `record`: an expired value (never a named database's record, however it reads). */
function isPurged(record: Buffer, now: number): boolean {
  return isExpired(record, now) && !isDatabaseRecord(record);
}

/** The writes that store a value, refused under the reserve; deletes and TTL changes, which make room or keep it, are not. */
const writesValues = new Set(['set', 'add', 'compare_and_set']);

/** The embedded store on an LMDB file: values and their expiry, expired ones purged in the background. */
class EmbeddedStorage implements Storage {
  readonly backend = 'embedded';
  readonly #db: Database<Buffer, Uint8Array>;
  readonly #environment: Environment;
  readonly #quota: Quota;
  readonly #quotaRefusals: QuotaRefusals;
  readonly #release: () => Promise<void>;
  readonly #purgeTimer: NodeJS.Timeout | undefined;
  #purging: Promise<unknown> | undefined;
  #closed = false;

  /** `release` closes `db` and what it shares with other stores of `environment` once they are all closed. */
  constructor(
    db: Database<Buffer, Uint8Array>,
    environment: Environment,
    quota: Quota,
    purgeIntervalMs: number | undefined,
    release: () => Promise<void>,
  ) {
    this.#db = db;
    this.#environment = environment;
    this.#quota = quota;
    this.#quotaRefusals = new QuotaRefusals(quota);
    this.#release = release;
    if (purgeIntervalMs === undefined) return;
    this.#purgeTimer = setInterval(() => {
      // A purge that fails (a full disk refuses even removals when LMDB has no free page) is tried again at the
      // next interval; the failure is reported, never thrown out of the timer.
      this.#purging ??= this.purgeExpired()
        .catch((error: unknown) => environment.onPurgeFailure(error))
        .finally(() => {
          this.#purging = undefined;
        });
    }, purgeIntervalMs).unref();
  }

  async get(key: string): Promise<StoredValue | undefined> {
    let record: Buffer | undefined;
    this.#ensureOpen('get');
    try {
      // NOTE: lmdb-js keeps one read snapshot until a timer of 0 ms renews it (lmdb/read.js), and only this process's
      // own commits renew it sooner: without a fresh snapshot, a read here could miss a write another worker had
      // acknowledged (histories found 2 stale reads in 18,000 writes each read back at once, two workers).
      this.#db.resetReadTxn();
      // getBinary copies each record into a new ArrayBuffer; the value and digest are copied out of lmdb's
      // reused read buffer into pooled buffers instead (1.5 instead of 2.4 µs for 2 KiB in a loop).
      record = this.#db.getBinaryFast(keyBytes(key));
    } catch (error) {
      throw this.#failure('get', error);
    }
    if (record === undefined || isExpired(record, Date.now())) return undefined;
    return copiedStoredValueOf(record);
  }

  async set(key: string, value: Buffer, ttlSeconds: number): Promise<SetOutcome> {
    const digest = digestOf(value);
    // The record replaced keeps its value's digest: comparing it costs no hashing, in the write's own transaction.
    let unchanged = false;
    await this.#writeIf('set', key, (live) => {
      unchanged = live?.digest.equals(digest) === true;
      return recordOf(value, ttlSeconds, digest);
    });
    return unchanged ? 'unchanged' : 'changed';
  }

  add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean> {
    return this.#writeIf('add', key, (live) => (live === undefined ? recordOf(value, ttlSeconds) : undefined));
  }

  compareAndSet(key: string, expected: Buffer, value: Buffer, ttlSeconds: number): Promise<boolean> {
    return this.#writeIf('compare_and_set', key, (live) =>
      live?.value.equals(expected) ? recordOf(value, ttlSeconds) : undefined,
    );
  }

  compareAndDelete(key: string, expected: Buffer): Promise<boolean> {
    return this.#writeIf('compare_and_delete', key, (live) => (live?.value.equals(expected) ? null : undefined));
  }

  touch(key: string, ttlSeconds: number): Promise<boolean> {
    return this.#writeIf('touch', key, (live) =>
      live === undefined ? undefined : recordOf(live.value, ttlSeconds, live.digest),
    );
  }

  /**
   * Reads the live value of `key` and writes the record `next` makes of it (`null`: removes the key;
   * `undefined`: leaves it), with the database's count of bytes and keys, in one write transaction: no other
   * writer (thread or process) can change the value or the count in between. A write that would take the
   * database beyond its quota changes nothing and is refused (StorageFullError).
   */
  async #writeIf(
    operation: string,
    key: string,
    next: (live: StoredValue | undefined) => Buffer | null | undefined,
  ): Promise<boolean> {
    const bytes = keyBytes(key);
    this.#ensureOpen(operation);
    if (writesValues.has(operation) && this.#environment.underReserve()) throw this.#refusedForSpace(operation, 'disk_full');
    let outcome: boolean | { readonly refusal: QuotaRefusal; readonly before: Holding };
    try {
      outcome = await this.#db.transaction(() => {
        const record = this.#db.getBinary(bytes);
        const live = record === undefined || isExpired(record, Date.now()) ? undefined : storedValueOf(record);
        const replacement = next(live);
        if (replacement === undefined || (replacement === null && record === undefined)) return false;
        const before = this.#usageInTransaction();
        const written = residentBytes(bytes, replacement ?? undefined);
        const after = {
          bytes: before.bytes - residentBytes(bytes, record) + written,
          keys: before.keys - (record === undefined ? 0 : 1) + (replacement === null ? 0 : 1),
          writtenBytes: before.writtenBytes + written,
        };
        const refusal = quotaRefusal(this.#quota, before, after);
        if (refusal !== undefined) return { refusal, before };
        if (replacement === null) this.#db.removeSync(bytes);
        else this.#db.putSync(bytes, replacement);
        this.#db.putSync(usageKey, recordOf(usageValue(after), 0));
        return true;
      });
    } catch (error) {
      throw await this.#writeFailure(operation, error);
    }
    if (typeof outcome === 'boolean') {
      if (outcome) this.#environment.space.written();
      return outcome;
    }
    throw this.#quotaRefusals.refused(`embedded store: ${operation}`, outcome.refusal, outcome.before);
  }

  async delete(key: string): Promise<void> {
    await this.#writeIf('delete', key, () => null);
  }

  /**
   * The database's count of bytes and keys, in a write transaction: its record's, or, for a database without one
   * (written by an earlier build, or truncated), counted record by record.
   */
  #usageInTransaction(): Usage {
    const record = this.#db.getBinary(usageKey);
    return record === undefined ? this.#counted() : usageOf(record.subarray(headerBytes));
  }

  #counted(): Usage {
    let bytes = 0;
    let keys = 0;
    for (const { key, value } of this.#db.getRange({ snapshot: false })) {
      if (isUsageKey(key) || isDatabaseRecord(value)) continue;
      keys++;
      bytes += residentBytes(key, value);
    }
    return { bytes, keys, writtenBytes: 0 };
  }

  async census(): Promise<Census> {
    const usage = await this.usage();
    const stats = statfsOf(this.#environment.path);
    return { ...usage, estimated: false, filesystem: stats };
  }

  /** What the database holds now: exact, as of the last committed write. */
  async usage(): Promise<Usage> {
    this.#ensureOpen('usage');
    try {
      return this.#usageNow();
    } catch (error) {
      throw this.#failure('usage', error);
    }
  }

  #usageNow(): Usage {
    const record = this.#db.getBinary(usageKey);
    return record === undefined ? this.#counted() : usageOf(record.subarray(headerBytes));
  }

  async ping(): Promise<void> {
    if (this.#closed) throw this.#failure('ping', undefined);
  }

  refusingWrites(): string | undefined {
    return (
      this.#environment.space.refusing() ?? this.#quotaRefusals.refusing(() => (this.#closed ? undefined : this.#usageNow()))
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#purgeTimer);
    await this.#purging;
    await this.#release();
  }

  /** Removes every value (`kask-ts truncate`). */
  async clear(): Promise<void> {
    this.#ensureOpen('clear');
    try {
      await this.#db.clearAsync();
    } catch (error) {
      throw await this.#writeFailure('clear', error);
    }
  }

  // NOTE: a named database whose environment another store closed hangs or fails asynchronously (lmdb-js:
  // "The environment is already closed"), so a closed store refuses before touching LMDB.
  #ensureOpen(operation: string): void {
    if (this.#closed) throw this.#failure(operation, undefined);
  }

  /**
   * The storage error for a failed operation: after close() the store is going away with its process, like
   * an unreachable cluster (503, retry elsewhere); otherwise LMDB failed (500).
   */
  #failure(operation: string, cause: unknown): StorageError {
    if (this.#closed) return new StorageError('unavailable', `embedded store: ${operation} failed: closed`, { cause });
    return new StorageError('fault', `embedded store: ${operation} failed`, { cause });
  }

  /**
   * The storage error for a failed write: `full` when it was refused for want of space (LMDB aborted the
   * transaction, so nothing changed), else as #failure says. Awaits the commit's own error, so that it never
   * escapes as an unhandled rejection.
   */
  async #writeFailure(operation: string, error: unknown): Promise<StorageError> {
    const cause = await commitErrorOf(error);
    const refusal = this.#closed ? undefined : refusalOf(cause, this.#environment.path);
    if (refusal === undefined) return this.#failure(operation, cause);
    return this.#refusedForSpace(operation, refusal, cause);
  }

  /** The refusal of a write for want of space, which the store then reports until there is room. */
  #refusedForSpace(operation: string, refusal: Refusal, cause?: unknown): StorageFullError {
    this.#environment.space.refused(refusal);
    return new StorageFullError(refusal, `embedded store: ${operation} refused: ${refusal}`, {
      cause,
      reason: refusalReason(refusal),
    });
  }

  /** Removes every expired value, in batches so that requests are served in between. */
  async purgeExpired(): Promise<number> {
    let purged = 0;
    let start: Uint8Array | undefined;
    for (;;) {
      if (this.#closed) return purged;
      const now = Date.now();
      const expired: Uint8Array[] = [];
      let last: Uint8Array | undefined;
      let seen = 0;
      for (const { key, value } of this.#db.getRange({ start, limit: purgeBatchSize, snapshot: false })) {
        seen++;
        last = key;
        // The batch starts at the previous batch's last key, which that batch has already looked at.
        if ((start === undefined || Buffer.compare(key, start) !== 0) && isPurged(value, now)) expired.push(key);
      }
      if (expired.length > 0) {
        // Re-checked inside the write transaction: a value rewritten since the scan is kept.
        purged += await this.#db.transaction(() => {
          const before = this.#usageInTransaction();
          let removed = 0;
          let removedBytes = 0;
          for (const key of expired) {
            const record = this.#db.getBinary(key);
            if (record !== undefined && isPurged(record, now) && this.#db.removeSync(key)) {
              removed++;
              removedBytes += residentBytes(key, record);
            }
          }
          if (removed > 0) {
            const after = { ...before, bytes: before.bytes - removedBytes, keys: before.keys - removed };
            this.#db.putSync(usageKey, recordOf(usageValue(after), 0));
          }
          return removed;
        });
      }
      if (seen < purgeBatchSize || last === undefined) return purged;
      start = last;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

const recordEncoding = { encoding: 'binary', keyEncoding: 'binary', compression: false } as const;

/** The file LMDB keeps its records in, in the store's directory. */
function dataFileOf(path: string): string {
  return join(path, 'data.mdb');
}

/**
 * Opens (creating if needed, unless `existing`) the LMDB environment in the directory `path`, room made for
 * `databases` named databases. A directory it creates is its owner's alone (0700): the values are credentials.
 */
function openEnvironment(path: string, databases: number, existing: boolean): RootDatabase<Buffer, Uint8Array> {
  if (existing && !existsSync(dataFileOf(path))) {
    throw new StorageError('fault', `embedded store: there is no store at ${path} (no ${dataFileOf(path)})`);
  }
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    // NOTE: lmdb-js takes a path whose name has an extension (sessions.v2) for a file of its own unless told
    // noSubdir: false; embedded.path is always a directory.
    // overlappingSync (lmdb-js's default on Linux) resolves a write at commit and flushes it to disk later:
    // a power loss could then lose a value already answered 201. Without it a write resolves once flushed.
    // NOTE: eventTurnBatching (lmdb-js's default) opens each turn's batch with a write of its own whose promise
    // nobody can await: a commit that fails (a full disk) rejected it unhandled and ended the process (lmdb 3.5,
    // write.js's writeBatchStart). Without it the writes of a turn still share a transaction, started by a
    // setImmediate, and each write's own promise carries the failure to its caller.
    return open<Buffer, Uint8Array>({
      path,
      ...recordEncoding,
      noSubdir: false,
      overlappingSync: false,
      eventTurnBatching: false,
      maxDbs: databases,
    });
  } catch (error) {
    throw new StorageError('fault', `embedded store: cannot open ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Opens the named database `name` of `root`, the environment at `path`; creates it when missing, unless `existing`. */
function openDatabase(
  root: RootDatabase<Buffer, Uint8Array>,
  name: string,
  path: string,
  existing: boolean,
): Database<Buffer, Uint8Array> {
  // NOTE: lmdb-js reads `create` (open.js: MDB_CREATE unless it is false), and answers a database that does not
  // exist with undefined; its types declare neither.
  const options = { name, ...recordEncoding, create: !existing };
  let db: Database<Buffer, Uint8Array> | undefined;
  try {
    db = root.openDB<Buffer, Uint8Array>(options);
  } catch (error) {
    throw new StorageError('fault', `embedded store: cannot open the database ${name} in ${path}`, { cause: error });
  }
  if (db === undefined) throw new StorageError('fault', `embedded store: there is no database ${name} in ${path}`);
  return db;
}

/**
 * Which of `databases` the store at `path`, which must exist, holds (`undefined`, the main database: always),
 * creating none: a namespace added to the file since the server last started has none yet.
 */
export async function presentDatabases(path: string, databases: readonly (string | undefined)[]): Promise<boolean[]> {
  const root = openEnvironment(path, databases.length, true);
  try {
    // NOTE: lmdb-js answers a database that does not exist with undefined when `create` is false (see openDatabase).
    return databases.map((name) => {
      if (name === undefined) return true;
      const options = { name, ...recordEncoding, create: false };
      return root.openDB<Buffer, Uint8Array>(options) !== undefined;
    });
  } finally {
    await root.close();
  }
}

/** Opens (creating if needed) the embedded store in the main database of the LMDB environment at `options.path`. */
export function openEmbeddedStorage(options: EmbeddedOptions): EmbeddedStorage {
  return openEmbeddedDatabases(options, [undefined])[0] as EmbeddedStorage;
}

const noQuota: Quota = { maxBytes: undefined, maxKeys: undefined };

/** What the stores of one LMDB environment share: its directory, whether it has room, and where purge failures go. */
interface Environment {
  readonly path: string;
  readonly space: SpaceWatch;
  /** Whether the room left for writes of values is under the reserve kept for deletes and purges (headroom.ts). */
  underReserve(): boolean;
  onPurgeFailure(error: unknown): void;
}

/**
 * Opens one store per database of one LMDB environment at `options.path`, in the order given: a name is a
 * named sub-database, `undefined` the main database. The environment closes with the last store; each store
 * purges its own expired values, and tells `onPurgeFailure` when a purge fails (it is tried again later).
 */
export function openEmbeddedDatabases(
  options: EmbeddedOptions,
  databases: readonly (string | undefined)[],
  { quotas = [], onPurgeFailure = () => {} }: { quotas?: readonly Quota[]; onPurgeFailure?: (error: unknown) => void } = {},
): EmbeddedStorage[] {
  const existing = options.existing ?? false;
  const root = openEnvironment(options.path, databases.length, existing);
  const closeEnvironment = closedByTheLast(databases.length, () => root.close());
  const opened = databases.map((name) => (name === undefined ? root : openDatabase(root, name, options.path, existing)));
  const named = opened.filter((db) => db !== root);
  const environment: Environment = {
    path: options.path,
    space: new SpaceWatch(options.path),
    underReserve: () => underReserve(options.path, () => pageStatsOf(root, named)),
    onPurgeFailure: (error) => {
      commitErrorOf(error).then(onPurgeFailure, onPurgeFailure);
    },
  };
  return opened.map((db, i) => {
    const quota = quotas[i] ?? noQuota;
    if (db === root) return new EmbeddedStorage(root, environment, quota, options.purgeIntervalMs, closeEnvironment);
    return new EmbeddedStorage(db, environment, quota, options.purgeIntervalMs, async () => {
      await db.close();
      await closeEnvironment();
    });
  });
}

/** lmdb-js's statistics of one database, as far as they are used here. */
interface TreeStats {
  readonly pageSize: number;
  readonly lastPageNumber: number;
  readonly treeBranchPageCount: number;
  readonly treeLeafPageCount: number;
  readonly overflowPages: number;
  readonly free: { readonly treeBranchPageCount: number; readonly treeLeafPageCount: number; readonly overflowPages: number };
}

const pagesOf = (stats: Omit<TreeStats, 'free' | 'pageSize' | 'lastPageNumber'>) =>
  stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages;

/** The environment's page counts: its size in pages, and those the main database, each named one and the freelist use. */
function pageStatsOf(root: RootDatabase<Buffer, Uint8Array>, named: readonly Database<Buffer, Uint8Array>[]): PageStats {
  const stats = root.getStats() as TreeStats;
  const namedPages = named.reduce((sum, db) => sum + pagesOf(db.getStats() as TreeStats), 0);
  return {
    pageSize: stats.pageSize,
    lastPageNumber: stats.lastPageNumber,
    pagesInUse: pagesOf(stats) + pagesOf(stats.free) + namedPages,
  };
}

export type { EmbeddedStorage };
