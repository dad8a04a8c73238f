import { errors, types } from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { storageErrorFrom } from '../../../src/storage/cassandra/cassandra.js';

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
    ['a replica failure', new errors.ResponseError(codes.writeFailure, 'Operation failed')],
    ['a driver argument error', new errors.ArgumentError('bad argument')],
    ['anything else', new TypeError('unexpected')],
  ])('%s is a fault (500)', (_, error) => {
    expect(storageErrorFrom('set', error).kind).toBe('fault');
  });

  it("names the operation and the driver's error class, and keeps the driver's error as the cause", () => {
    const cause = new errors.ResponseError(codes.unavailableException, 'Cannot achieve consistency level EACH_QUORUM');
    const error = storageErrorFrom('delete', cause);
    expect(error.message).toBe('cassandra: delete failed: ResponseError: Cannot achieve consistency level EACH_QUORUM');
    expect(error.cause).toBe(cause);
  });
});
