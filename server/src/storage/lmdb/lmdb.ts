import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';
import { closedByTheLast } from '../shared.js';
import { digestOf, type SetOutcome, type Storage, StorageError, type StoredValue } from '../storage.js';

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

function isExpired(record: Buffer, now: number): boolean {
  const expiry = expiryOf(record);
  return expiry !== 0 && expiry <= now;
}

/** The embedded store on an LMDB file: values and their expiry, expired ones purged in the background. */
class EmbeddedStorage implements Storage {
  readonly backend = 'embedded';
  readonly #db: Database<Buffer, Uint8Array>;
  readonly #release: () => Promise<void>;
  readonly #purgeTimer: NodeJS.Timeout | undefined;
  #purging: Promise<unknown> | undefined;
  #closed = false;

  /** `release` closes `db` and what it shares with other stores once they are all closed. */
  constructor(db: Database<Buffer, Uint8Array>, purgeIntervalMs: number | undefined, release: () => Promise<void>) {
    this.#db = db;
    this.#release = release;
    if (purgeIntervalMs === undefined) return;
    this.#purgeTimer = setInterval(() => {
      this.#purging ??= this.purgeExpired().finally(() => {
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
    const bytes = keyBytes(key);
    const digest = digestOf(value);
    this.#ensureOpen('set');
    try {
      // The record replaced keeps its value's digest: comparing it costs one lookup and no hashing. It is read
      // before the write is queued, so two writes of one key at the same moment may both compare with the older.
      const replaced = this.#db.getBinaryFast(bytes);
      const unchanged =
        replaced !== undefined && !isExpired(replaced, Date.now()) && digest.equals(replaced.subarray(expiryBytes, headerBytes));
      await this.#db.put(bytes, recordOf(value, ttlSeconds, digest));
      return unchanged ? 'unchanged' : 'changed';
    } catch (error) {
      throw this.#failure('set', error);
    }
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
   * `undefined`: leaves it), in one write transaction: no other writer (thread or process) can change the
   * value in between.
   */
  async #writeIf(
    operation: string,
    key: string,
    next: (live: StoredValue | undefined) => Buffer | null | undefined,
  ): Promise<boolean> {
    const bytes = keyBytes(key);
    this.#ensureOpen(operation);
    try {
      return await this.#db.transaction(() => {
        const record = this.#db.getBinary(bytes);
        const live = record === undefined || isExpired(record, Date.now()) ? undefined : storedValueOf(record);
        const replacement = next(live);
        if (replacement === undefined) return false;
        if (replacement === null) this.#db.removeSync(bytes);
        else this.#db.putSync(bytes, replacement);
        return true;
      });
    } catch (error) {
      throw this.#failure(operation, error);
    }
  }

  async delete(key: string): Promise<void> {
    this.#ensureOpen('delete');
    try {
      await this.#db.remove(keyBytes(key));
    } catch (error) {
      throw this.#failure('delete', error);
    }
  }

  async ping(): Promise<void> {
    if (this.#closed) throw this.#failure('ping', undefined);
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
      throw this.#failure('clear', error);
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
        if ((start === undefined || Buffer.compare(key, start) !== 0) && isExpired(value, now)) expired.push(key);
      }
      if (expired.length > 0) {
        // Re-checked inside the write transaction: a value rewritten since the scan is kept.
        purged += await this.#db.transaction(() => {
          let removed = 0;
          for (const key of expired) {
            const record = this.#db.getBinary(key);
            if (record !== undefined && isExpired(record, now) && this.#db.removeSync(key)) removed++;
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
    return open<Buffer, Uint8Array>({ path, ...recordEncoding, noSubdir: false, overlappingSync: false, maxDbs: databases });
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

/** Opens (creating if needed) the embedded store in the main database of the LMDB environment at `options.path`. */
export function openEmbeddedStorage(options: EmbeddedOptions): EmbeddedStorage {
  return openEmbeddedDatabases(options, [undefined])[0] as EmbeddedStorage;
}

/**
 * Opens one store per database of one LMDB environment at `options.path`, in the order given: a name is a
 * named sub-database, `undefined` the main database. The environment closes with the last store; each store
 * purges its own expired values.
 */
export function openEmbeddedDatabases(options: EmbeddedOptions, databases: readonly (string | undefined)[]): EmbeddedStorage[] {
  const existing = options.existing ?? false;
  const root = openEnvironment(options.path, databases.length, existing);
  const closeEnvironment = closedByTheLast(databases.length, () => root.close());
  return databases.map((name) => {
    if (name === undefined) return new EmbeddedStorage(root, options.purgeIntervalMs, closeEnvironment);
    const db = openDatabase(root, name, options.path, existing);
    return new EmbeddedStorage(db, options.purgeIntervalMs, async () => {
      await db.close();
      await closeEnvironment();
    });
  });
}

export type { EmbeddedStorage };
