import { errors, types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { storageErrorFrom } from '../../../src/storage/cassandra/errors.js';
import { StorageFullError } from '../../../src/storage/storage.js';

const codes = types.responseErrorCodes;

describe('cassandra error mapping', () => {
  it.each([
    [
      'unavailable replicas',
      new errors.ResponseError(codes.unavailableException, 'Cannot achieve consistency level EACH_QUORUM'),
    ],
    ['a read timeout', new errors.ResponseError(codes.readTimeout, 'Operation timed out')],
    ['a write timeout', new errors.ResponseError(codes.writeTimeout, 'Operation timed out')],
    ['an overloaded coordinator', new errors.ResponseError(codes.overloaded, 'Overloaded')],
    ['a bootstrapping coordinator', new errors.ResponseError(codes.isBootstrapping, 'Bootstrapping')],
    ['a replica failing the write', new errors.ResponseError(codes.writeFailure, 'Operation failed - received 0 responses')],
    ['a replica failing the read', new errors.ResponseError(codes.readFailure, 'Operation failed - received 0 responses')],
    ['no host available', new errors.NoHostAvailableError({})],
    ['a client-side timeout', new errors.OperationTimedOutError('The host did not reply before timeout 12000 ms')],
    ['every connection busy', new errors.BusyConnectionError('127.0.0.1:9042', 2048, 1)],
  ])('%s is unavailable (503)', (_, error) => {
    expect(storageErrorFrom('get', error).kind).toBe('unavailable');
  });

  it.each([
    ['a syntax error', new errors.ResponseError(codes.syntaxError, 'line 1:0 no viable alternative')],
    ['an invalid request', new errors.ResponseError(codes.invalid, 'Key length of 70000 is longer than maximum of 65535')],
    ['a missing permission', new errors.ResponseError(codes.unauthorized, 'User has no MODIFY permission')],
    ['a driver argument error', new errors.ArgumentError('bad argument')],
    ['anything else', new TypeError('unexpected')],
  ])('%s is a fault (500)', (_, error) => {
    expect(storageErrorFrom('set', error).kind).toBe('fault');
  });

  it.each([
    [codes.unavailableException, 'Cassandra has too few live replicas for the consistency level'],
    [codes.overloaded, 'Cassandra is overloaded'],
    [codes.writeTimeout, 'the Cassandra replicas did not acknowledge the write in time'],
    [codes.writeFailure, 'a Cassandra replica failed the write (its disk may be full or failing)'],
  ])('the node failing a write with code %s says why: %s', (code, reason) => {
    expect(storageErrorFrom('set', new errors.ResponseError(code, 'Operation failed')).reason).toBe(reason);
  });

  it.each([
    'Guardrail data_disk_usage violated: Write request failed because disk usage exceeds failure threshold',
    'Guardrail replica_disk_usage violated: Write request failed because disk usage exceeds failure threshold in dc1',
  ])('Cassandra\'s disk usage guardrail ("%s") is a refusal for a full disk (507)', (message) => {
    const error = storageErrorFrom('set', new errors.ResponseError(codes.invalid, message));
    expect([error.kind, error instanceof StorageFullError && error.refusal]).toEqual(['full', 'disk_full']);
  });

  const where = { keyspace: 'sessions', table: 'values' };
  const schema = 'kask-ts schema --config FILE --replication DC=N --apply creates it';

  it.each([
    ['keyspace nosuch does not exist', `the keyspace "sessions" does not exist: ${schema}`],
    ['Keyspace nosuch does not exist', `the keyspace "sessions" does not exist: ${schema}`],
    ['table values does not exist', `the table "sessions"."values" does not exist: ${schema}`],
    ['unconfigured table values', `the table "sessions"."values" does not exist: ${schema}`],
  ])('Cassandra\'s "%s" is unavailable (503), its reason naming what is missing and what creates it', (message, reason) => {
    const error = storageErrorFrom('set', new errors.ResponseError(codes.invalid, message), where);
    expect([error.kind, error.reason]).toEqual(['unavailable', reason]);
  });

  it.each([
    [
      'refused credentials',
      new errors.NoHostAvailableError({
        '10.0.0.1:9042': new errors.AuthenticationError('Provided username kask and/or password are incorrect'),
      }),
      'Cassandra refused the user name or password of cassandra.authentication',
    ],
    [
      'no node reachable',
      new errors.NoHostAvailableError({
        '10.0.0.1:9042': Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:9042'), { code: 'ECONNREFUSED' }),
      }),
      'no node of cassandra.hosts can be reached',
    ],
    [
      'a node certificate from another CA',
      new errors.NoHostAvailableError({
        '10.0.0.1:9042': Object.assign(new Error('self-signed certificate in certificate chain'), {
          code: 'SELF_SIGNED_CERT_IN_CHAIN',
        }),
      }),
      'the TLS handshake with Cassandra failed (cassandra.tls)',
    ],
  ])('%s gets a reason that names no address nor user', (_, error, reason) => {
    const failure = storageErrorFrom('ping', error, where);
    expect([failure.kind, failure.reason]).toEqual(['unavailable', reason]);
    expect(failure.reason).not.toMatch(/10\.0\.0\.1|kask/);
  });

  it("names the operation and the driver's error class, and keeps the driver's error as the cause", () => {
    const cause = new errors.ResponseError(codes.unavailableException, 'Cannot achieve consistency level EACH_QUORUM');
    const error = storageErrorFrom('delete', cause);
    expect(error.message).toBe('cassandra: delete failed: ResponseError: Cannot achieve consistency level EACH_QUORUM');
    expect(error.cause).toBe(cause);
  });
});
