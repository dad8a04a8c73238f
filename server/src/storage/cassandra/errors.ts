import { errors, types } from 'cassandra-driver';
import { StorageError, StorageFullError } from '../storage.js';
import { qualifiedTableName, quoteIdentifier } from './schema.js';

// What a driver error means to the service: whether it passes by itself (503, retry later) or is a fault (500),
// and why the storage cannot serve, in an operator's words.

/** A table a statement ran on, as the configuration names it. */
export interface TableName {
  readonly keyspace: string;
  readonly table: string;
}

/** The command that creates what the server never creates itself. */
export const schemaCommand = 'kask-ts schema --config FILE --replication DC=N --apply';

// Failures that go away by themselves (a node down, overloaded, slow, or a replica whose write failed, its disk
// full or failing): 503 and retry, never 500. Each with why, in an operator's words.
const transientReasons: ReadonlyMap<number, string> = new Map([
  [types.responseErrorCodes.unavailableException, 'Cassandra has too few live replicas for the consistency level'],
  [types.responseErrorCodes.overloaded, 'Cassandra is overloaded'],
  [types.responseErrorCodes.isBootstrapping, 'the Cassandra node is bootstrapping'],
  [types.responseErrorCodes.readTimeout, 'the Cassandra replicas did not answer the read in time'],
  [types.responseErrorCodes.writeTimeout, 'the Cassandra replicas did not acknowledge the write in time'],
  [types.responseErrorCodes.readFailure, 'a Cassandra replica failed the read'],
  [types.responseErrorCodes.writeFailure, 'a Cassandra replica failed the write (its disk may be full or failing)'],
]);

// Cassandra 5's disk usage guardrails (data_disk_usage_percentage_fail_threshold, data_disk_usage_max_disk_size)
// refuse a write before applying it, with an `invalid` request: `Guardrail data_disk_usage violated: ...` or
// `Guardrail replica_disk_usage violated: ...`. Nothing changed, as with a full embedded store: 507.
const diskUsageGuardrail = /^Guardrail (?:data|replica)_disk_usage violated/;

// Cassandra's words for a statement on a keyspace or a table that does not exist (an `invalid` request): 5.0 says
// `keyspace ks does not exist` and `table t does not exist`; 3.11 and 4.x `Keyspace ks does not exist` and
// `unconfigured table t`.
const missingKeyspace = /^keyspace \S+ does not exist/i;
const missingTable = /^(?:table \S+ does not exist|unconfigured table )/i;

function isTransient(error: unknown): boolean {
  if (error instanceof errors.ResponseError) return transientReasons.has(error.code);
  return (
    error instanceof errors.NoHostAvailableError ||
    error instanceof errors.OperationTimedOutError ||
    error instanceof errors.BusyConnectionError
  );
}

/** The keyspace or table that `error` says does not exist, named as `kask-ts schema` creates it. */
function missingSchemaOf(error: unknown, where: TableName | undefined): string | undefined {
  if (!(error instanceof errors.ResponseError) || error.code !== types.responseErrorCodes.invalid || where === undefined) {
    return undefined;
  }
  if (missingKeyspace.test(error.message)) return `the keyspace ${quoteIdentifier(where.keyspace)}`;
  if (missingTable.test(error.message)) return `the table ${qualifiedTableName(where.keyspace, where.table)}`;
  return undefined;
}

/** Each node's error of a failed connection, or the error itself. */
function perNode(error: unknown): unknown[] {
  if (!(error instanceof errors.NoHostAvailableError)) return [error];
  const inner = Object.values(error.innerErrors ?? {});
  return inner.length === 0 ? [error] : inner;
}

/** Whether the TLS handshake failed: a certificate not verified, not naming the node, or one the node wanted. */
function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && /^(?:ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_)/.test(code)) ||
    (error instanceof Error && error.message.includes('certificate'))
  );
}

/**
 * Why `error` keeps the storage from serving, in words that name no address, user name, password, key or value:
 * they are logged, and /readyz's 503 gives them to whoever asks. `where`: the table the statement ran on.
 */
export function reasonOf(error: unknown, where?: TableName): string {
  const missing = missingSchemaOf(error, where);
  if (missing !== undefined) return `${missing} does not exist: ${schemaCommand} creates it`;
  const nodes = perNode(error);
  if (nodes.every((node) => node instanceof errors.AuthenticationError)) {
    return 'Cassandra refused the user name or password of cassandra.authentication';
  }
  if (nodes.every(isTlsFailure)) return 'the TLS handshake with Cassandra failed (cassandra.tls)';
  if (error instanceof errors.NoHostAvailableError) return 'no node of cassandra.hosts can be reached';
  if (error instanceof errors.OperationTimedOutError) return 'Cassandra did not answer within cassandra.query_timeout_ms';
  if (error instanceof errors.ResponseError) {
    const transient = transientReasons.get(error.code);
    if (transient !== undefined) return transient;
  }
  if (isTransient(error)) return 'Cassandra lacks live replicas, is overloaded or timed out';
  return 'Cassandra failed the query';
}

/** The driver's error class and message: never a bound value, so never a key. */
export function describe(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}

/**
 * Maps a driver error to the one storage error: `full` when a disk usage guardrail refused a write, `unavailable`
 * when it is transient, or when the keyspace or the
 * table is missing (the service cannot serve until the operator creates them, as /readyz says, and then serves
 * without a restart); `fault` otherwise. `where`: the table the statement ran on.
 */
export function storageErrorFrom(operation: string, error: unknown, where?: TableName): StorageError {
  if (error instanceof errors.ResponseError && diskUsageGuardrail.test(error.message)) {
    return new StorageFullError('disk_full', `cassandra: ${operation} refused: ${describe(error)}`, {
      cause: error,
      reason: "Cassandra's disk usage guardrail refuses writes: its data disks are (nearly) full",
    });
  }
  const kind = isTransient(error) || missingSchemaOf(error, where) !== undefined ? 'unavailable' : 'fault';
  return new StorageError(kind, `cassandra: ${operation} failed: ${describe(error)}`, {
    cause: error,
    reason: reasonOf(error, where),
  });
}
