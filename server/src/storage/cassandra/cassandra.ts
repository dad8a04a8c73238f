import { setTimeout as sleep } from 'node:timers/promises';
import { type QueryOptions, types } from 'cassandra-driver';
import type { Logger } from 'pino';
import { describeError } from '../../logging/logging.js';
import type { Quota } from '../backend.js';
import { type Holding, QuotaRefusals, quotaRefusal } from '../quotas.js';
import { closedByTheLast } from '../shared.js';
import {
  type Census,
  digestOf,
  type SetOutcome,
  type Storage,
  StorageError,
  StorageFullError,
  type StoredValue,
} from '../storage.js';
import { type CassandraConnectionOptions, connectLocally, type LocalClient } from './client.js';
import { describe, reasonOf, storageErrorFrom, type TableName } from './errors.js';
import { censusOf, SizeEstimates } from './estimates.js';
import { qualifiedTableName } from './schema.js';

/**
 * Kask's `cassandra.*` keys: where the cluster is, and the keyspace and table that hold the sessions; and how often
 * the size estimates are read (`size_estimates_interval_ms`).
 */
export interface CassandraOptions extends CassandraConnectionOptions {
  readonly keyspace: string;
  readonly table: string;
  readonly estimatesIntervalMs: number;
}

/** A namespace's table, and the most it may hold. */
export interface CassandraTable {
  readonly table: string;
  readonly quota: Quota;
}

const noQuota: Quota = { maxBytes: undefined, maxKeys: undefined };

export type { CassandraConnectionOptions, CassandraTlsOptions } from './client.js';

// NOTE: the consistency levels are Kask's design (kask-wire.md; Kask's storage.go): reads and writes need a
// quorum in the local data centre only, so each data centre keeps serving sessions when it is cut off from
// the others; a delete (a logout) needs a quorum in every data centre, so that no data centre can keep
// serving a session that was ended in another. A delete that cannot reach every data centre fails (503).
// The conditional writes (add, compareAndSet, touch) are lightweight transactions: Paxos among the local
// data centre's replicas (LOCAL_SERIAL), committed at LOCAL_QUORUM like any other write; a conditional
// delete (compareAndDelete) is one too, committed at EACH_QUORUM like any other delete.
const consistencyOf = {
  get: types.consistencies.localQuorum,
  set: types.consistencies.localQuorum,
  delete: types.consistencies.eachQuorum,
  add: types.consistencies.localQuorum,
  compareAndSet: types.consistencies.localQuorum,
  compareAndDelete: types.consistencies.eachQuorum,
  readSerial: types.consistencies.localSerial,
} as const;

type Operation = keyof typeof consistencyOf;

const lightweightTransactions: ReadonlySet<Operation> = new Set(['add', 'compareAndSet', 'compareAndDelete']);

// Readiness reads this key like a session GET: it shows that the table exists and that a local quorum answers.
const pingKey = 'kask-ts:ping';

// A touch that loses its compare-and-set this many times in a row to other writers gives up (503).
const touchAttempts = 5;

/** Whether a lightweight transaction was applied (its `[applied]` column). */
function applied(result: types.ResultSet): boolean {
  return result.first()?.get('[applied]') === true;
}

// Between attempts to reach a cluster that was down at start-up; the driver reconnects by itself afterwards.
const connectRetryBaseMs = 250;
const connectRetryMaxMs = 5000;

/**
 * One driver client shared by every table's store: it connects in the background, answers `unavailable`
 * until it has connected, and sends the queries of one turn of the event loop together, whatever their table.
 * It logs why it cannot connect (each time the reason changes), and when it has.
 */
class CassandraConnection {
  readonly #options: CassandraConnectionOptions;
  readonly #log: Logger;
  readonly #closing = new AbortController();
  /** Resolves once connected, with true, or with false when closed first. */
  readonly connecting: Promise<boolean>;
  #local: LocalClient | undefined;
  #lastConnectError: unknown;
  #waitingToSend: (() => void)[] = [];

  constructor(options: CassandraConnectionOptions, log: Logger) {
    this.#options = options;
    this.#log = log;
    this.connecting = this.#connectUntilClosed();
  }

  /** Runs `statement` with the queries of this turn; throws the driver's error, or a StorageError before it has connected. */
  async execute(name: string, statement: string, params: unknown[], options: QueryOptions): Promise<types.ResultSet> {
    const client = this.#local?.client;
    if (client === undefined) {
      const lastError = this.#lastConnectError;
      const connecting = lastError === undefined ? 'connecting to Cassandra' : reasonOf(lastError);
      const reason = this.#closing.signal.aborted ? 'the storage is closed' : connecting;
      const detail = lastError === undefined ? '' : ` (${describe(lastError)})`;
      throw new StorageError('unavailable', `cassandra: ${name} failed: not connected${detail}`, { cause: lastError, reason });
    }
    await this.#nextSend();
    return await client.execute(statement, params, options);
  }

  /** Resolves once a lightweight transaction's write follows every write acknowledged before (timestamps.ts). */
  async untilLaterMillisecond(): Promise<void> {
    await this.#local?.timestamps.untilLaterMillisecond();
  }

  /** The client and its data centre once connected; undefined before. */
  get local(): LocalClient | undefined {
    return this.#local;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await this.connecting;
    const client = this.#local?.client;
    this.#local = undefined;
    await client?.shutdown();
  }

  // NOTE: the driver writes the requests queued before its process.nextTick in one write(2) (its WriteQueue).
  // An HTTP server issues each request's query from that request's own socket callback, after which Node runs
  // the ticks: every query was its own write(2), and Cassandra read, decoded and flushed each one alone. That
  // cost Cassandra three to four times the CPU per query of a client whose queries arrive together (measured:
  // server write(2) per query 1.005 -> 0.04, Cassandra syscalls per request 0.95 -> 0.41-0.73). Holding every
  // query until the check phase of the same turn of the event loop (setImmediate, after all the sockets that
  // were readable have been read) sends them together, for a delay of less than one turn.
  /** Resolves in the check phase of this turn of the event loop, together with every query issued before it. */
  #nextSend(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#waitingToSend.length === 0) setImmediate(this.#sendWaiting);
      this.#waitingToSend.push(resolve);
    });
  }

  readonly #sendWaiting = (): void => {
    const waiting = this.#waitingToSend;
    this.#waitingToSend = [];
    for (const resolve of waiting) resolve();
  };

  /** Tries to connect until it succeeds or the store is closed, waiting longer after each failure. */
  async #connectUntilClosed(): Promise<boolean> {
    const signal = this.#closing.signal;
    let loggedReason: string | undefined;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const local = await connectLocally(this.#options);
        if (signal.aborted) {
          await local.client.shutdown();
          return false;
        }
        this.#local = local;
        this.#lastConnectError = undefined;
        this.#log.info('cassandra: connected');
        return true;
      } catch (error) {
        this.#lastConnectError = error;
        // The server listens meanwhile, and every request answers 503: the operator learns why here, once a reason.
        const reason = reasonOf(error);
        if (reason !== loggedReason && !signal.aborted) {
          this.#log.error({ reason, ...describeError(error) }, 'cassandra: cannot connect; retrying');
          loggedReason = reason;
        }
      }
      const delayMs = Math.min(connectRetryMaxMs, connectRetryBaseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    }
    return false;
  }
}

/** Kask's table on Cassandra, over a connection it may share with the stores of other tables. */
class CassandraStorage implements Storage {
  readonly backend = 'cassandra';
  readonly #connection: CassandraConnection;
  readonly #where: TableName;
  readonly #release: () => Promise<void>;
  readonly #quota: Quota;
  readonly #quotaRefusals: QuotaRefusals;
  readonly #estimate: () => Holding | undefined;
  readonly #statements: Readonly<Record<Operation, string>>;
  readonly #queryOptions: Readonly<Record<Operation, QueryOptions>>;
  /** Why the last write was refused for want of space, until a write succeeds. */
  #refusing: string | undefined;
  #closed = false;

  /**
   * `estimate`: what the table holds by the last size estimates, which `quota` is enforced against; `release` closes
   * the connection once every store that shares it is closed.
   */
  constructor(
    connection: CassandraConnection,
    keyspace: string,
    { table: tableName, quota }: CassandraTable,
    estimate: () => Holding | undefined,
    release: () => Promise<void>,
  ) {
    this.#connection = connection;
    this.#where = { keyspace, table: tableName };
    this.#quota = quota;
    this.#quotaRefusals = new QuotaRefusals(quota);
    this.#estimate = estimate;
    this.#release = release;
    const table = qualifiedTableName(keyspace, tableName);
    this.#statements = {
      // TTL(value): the whole seconds the value has left, null when it has none; read in the same query.
      get: `SELECT value, TTL(value) AS ttl_seconds FROM ${table} WHERE key = ?`,
      set: `INSERT INTO ${table} (key, value) VALUES (?,?) USING TTL ?`,
      delete: `DELETE FROM ${table} WHERE key = ?`,
      add: `INSERT INTO ${table} (key, value) VALUES (?,?) IF NOT EXISTS USING TTL ?`,
      compareAndSet: `UPDATE ${table} USING TTL ? SET value = ? WHERE key = ? IF value = ?`,
      compareAndDelete: `DELETE FROM ${table} WHERE key = ? IF value = ?`,
      readSerial: `SELECT value FROM ${table} WHERE key = ?`,
    };
    // The plain statements may run twice with the same effect (writes carry the client's timestamp, the same for
    // both runs), so the driver may retry them on another node, or send them to a second one when the first is
    // slow (speculative_delay_ms). A lightweight transaction run twice could report its own first run as a
    // conflict, so it is never retried nor sent twice.
    const optionsFor = (operation: Operation): QueryOptions => ({
      prepare: true,
      consistency: consistencyOf[operation],
      serialConsistency: types.consistencies.localSerial,
      isIdempotent: !lightweightTransactions.has(operation),
    });
    this.#queryOptions = Object.fromEntries(
      Object.keys(consistencyOf).map((operation) => [operation, optionsFor(operation as Operation)]),
    ) as Record<Operation, QueryOptions>;
  }

  async get(key: string): Promise<StoredValue | undefined> {
    const row = (await this.#execute('get', 'get', [key])).first();
    const value: unknown = row?.get('value');
    if (!Buffer.isBuffer(value)) return undefined;
    const ttlSeconds: unknown = row?.get('ttl_seconds');
    // Kask's table has no column for a digest: it is computed on each read.
    return {
      value,
      digest: digestOf(value),
      expiresAt: typeof ttlSeconds === 'number' ? Date.now() + ttlSeconds * 1000 : undefined,
    };
  }

  // Telling a same-value rewrite costs a read at LOCAL_QUORUM before the write: only when the caller asks (or a
  // quota needs to know whether the write grows the table).
  async set(key: string, value: Buffer, ttlSeconds: number, compare = false): Promise<SetOutcome> {
    const replaced = compare ? await this.#liveValue('set', key) : 'unread';
    await this.#refuseBeyondQuota('set', key, value, replaced);
    await this.#execute('set', 'set', [key, value, ttlSeconds]);
    if (replaced === 'unread') return 'unknown';
    return replaced?.equals(value) ? 'unchanged' : 'changed';
  }

  async delete(key: string): Promise<void> {
    await this.#execute('delete', 'delete', [key]);
  }

  async add(key: string, value: Buffer, ttlSeconds: number): Promise<boolean> {
    // Applied only where there is no live value: a new key.
    await this.#refuseBeyondQuota('add', key, value, undefined);
    return applied(await this.#execute('add', 'add', [key, value, ttlSeconds]));
  }

  async compareAndSet(key: string, expected: Buffer, value: Buffer, ttlSeconds: number): Promise<boolean> {
    // Applied only where the live value is `expected`: it replaces that.
    await this.#refuseBeyondQuota('compareAndSet', key, value, expected);
    return applied(await this.#execute('compareAndSet', 'compareAndSet', [ttlSeconds, value, key, expected]));
  }

  async compareAndDelete(key: string, expected: Buffer): Promise<boolean> {
    return applied(await this.#execute('compareAndDelete', 'compareAndDelete', [key, expected]));
  }

  // Cassandra cannot change a TTL alone: the value is rewritten with the new TTL, on condition that it is
  // still the value just read, so that a value deleted or replaced meanwhile is neither revived nor lost.
  async touch(key: string, ttlSeconds: number): Promise<boolean> {
    for (let attempt = 0; attempt < touchAttempts; attempt++) {
      const current: unknown = (await this.#execute('touch', 'readSerial', [key])).first()?.get('value');
      if (!Buffer.isBuffer(current)) return false;
      if (applied(await this.#execute('touch', 'compareAndSet', [ttlSeconds, current, key, current]))) return true;
    }
    throw new StorageError('unavailable', `cassandra: touch failed: the value kept changing for ${touchAttempts} attempts`, {
      reason: 'other writers kept changing the value',
    });
  }

  async ping(): Promise<void> {
    await this.#execute('ping', 'get', [pingKey]);
  }

  refusingWrites(): string | undefined {
    return this.#refusing ?? this.#quotaRefusals.refusing(this.#estimate);
  }

  async census(): Promise<Census | undefined> {
    return censusOf(this.#estimate());
  }

  // NOTE: the driver prepares a statement on its first execution, and every query that arrives meanwhile waits for
  // the PREPARE's round trip: the first POSTs and DELETEs after a start paid it. Each statement is prepared here by
  // an execution that Cassandra refuses after preparing it (a negative TTL, a null key), so that nothing is read
  // or written but the ping key, and no error of it is the caller's.
  async warm(): Promise<void> {
    if (!(await this.#connection.connecting)) return;
    const refused: Readonly<Record<Operation, unknown[]>> = {
      get: [pingKey],
      readSerial: [pingKey],
      set: [pingKey, Buffer.alloc(0), -1],
      add: [pingKey, Buffer.alloc(0), -1],
      compareAndSet: [-1, Buffer.alloc(0), pingKey, Buffer.alloc(0)],
      delete: [null],
      compareAndDelete: [null, Buffer.alloc(0)],
    };
    await Promise.all(
      Object.entries(refused).map(([operation, params]) =>
        this.#connection
          .execute('warm', this.#statements[operation as Operation], params, this.#queryOptions[operation as Operation])
          .catch(() => undefined),
      ),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#release();
  }

  /** The live value of `key`, read at LOCAL_QUORUM; undefined when there is none. */
  async #liveValue(name: Operation, key: string): Promise<Buffer | undefined> {
    const value: unknown = (await this.#execute(name, 'get', [key])).first()?.get('value');
    return Buffer.isBuffer(value) ? value : undefined;
  }

  /**
   * Refuses (StorageFullError) a write of `value` under `key` that would take the table beyond its quota by the last
   * size estimates, as the embedded store refuses one beyond its count. `replaced`: the live value the write
   * replaces (undefined: none), or `unread` when the caller did not read it; it is then read, at LOCAL_QUORUM, only
   * when the write would go beyond a quota as a new key, to tell a rewrite that does not grow the table.
   */
  async #refuseBeyondQuota(name: Operation, key: string, value: Buffer, replaced: Buffer | undefined | 'unread'): Promise<void> {
    const estimate = this.#estimate();
    if (estimate === undefined || (this.#quota.maxBytes === undefined && this.#quota.maxKeys === undefined)) return;
    const beyond = (live: Buffer | undefined) =>
      quotaRefusal(this.#quota, estimate, {
        bytes: estimate.bytes + residentBytes(key, value) - (live === undefined ? 0 : residentBytes(key, live)),
        keys: estimate.keys + (live === undefined ? 1 : 0),
      });
    let refusal = beyond(replaced === 'unread' ? undefined : replaced);
    if (refusal !== undefined && replaced === 'unread') refusal = beyond(await this.#liveValue(name, key));
    if (refusal !== undefined) throw this.#quotaRefusals.refused(`cassandra: ${name}`, refusal, estimate);
  }

  async #execute(name: Operation | 'ping' | 'touch', operation: Operation, params: unknown[]): Promise<types.ResultSet> {
    try {
      if (lightweightTransactions.has(operation)) await this.#connection.untilLaterMillisecond();
      const result = await this.#connection.execute(name, this.#statements[operation], params, this.#queryOptions[operation]);
      if (operation !== 'get' && operation !== 'readSerial') this.#refusing = undefined;
      return result;
    } catch (error) {
      const failure = error instanceof StorageError ? error : storageErrorFrom(name, error, this.#where);
      if (failure instanceof StorageFullError) this.#refusing = failure.reason;
      throw failure;
    }
  }
}

/** The bytes a key and its value count for in a quota. */
function residentBytes(key: string, value: Buffer): number {
  return Buffer.byteLength(key) + value.length;
}

/**
 * Opens Kask's table on Cassandra, without a quota. Never fails for an unreachable cluster: it connects in the
 * background.
 */
export function openCassandraStorage(options: CassandraOptions, log: Logger): CassandraStorage {
  const table = { table: options.table, quota: noQuota };
  return openCassandraTables(options, options.keyspace, [table], log, options.estimatesIntervalMs)[0] as CassandraStorage;
}

/**
 * Opens one store per table of `keyspace`, in the order given, over one connection (one driver client, so
 * that every table's queries of a turn leave together), which closes with the last store. Once connected, it reads
 * the size estimates of the keyspace's tables (every `estimatesIntervalMs`) for the census and quotas. Logs on `log`
 * why the connection cannot be made and, once it is, each table that cannot serve (one `kask-ts schema` has not
 * created), before a request finds out.
 */
export function openCassandraTables(
  connection: CassandraConnectionOptions,
  keyspace: string,
  tables: readonly CassandraTable[],
  log: Logger,
  estimatesIntervalMs: number,
): CassandraStorage[] {
  const shared = new CassandraConnection(connection, log);
  const estimates = new SizeEstimates(keyspace, estimatesIntervalMs, log);
  const release = closedByTheLast(tables.length, async () => {
    await estimates.stop();
    await shared.close();
  });
  const stores = tables.map((table) => new CassandraStorage(shared, keyspace, table, () => estimates.of(table.table), release));
  void shared.connecting.then(async (connected) => {
    const local = shared.local;
    if (!connected || local === undefined) return;
    estimates.start(local);
    for (const [i, store] of stores.entries()) {
      await store.ping().catch((error: StorageError) => {
        log.error(
          {
            table: qualifiedTableName(keyspace, (tables[i] as CassandraTable).table),
            reason: error.reason,
            ...describeError(error.cause ?? error),
          },
          'cassandra: a table cannot serve',
        );
      });
    }
  });
  return stores;
}

export type { CassandraStorage };
