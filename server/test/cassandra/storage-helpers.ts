import { pino } from 'pino';
import { type CassandraOptions, type CassandraStorage, openCassandraStorage } from '../../src/storage/cassandra/cassandra.js';
import { type Storage, StorageError } from '../../src/storage/storage.js';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls ping until the backend answers; returns how long that took, or rethrows ping's error at the deadline. */
export async function untilReady(storage: Storage, deadlineMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await storage.ping();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > deadlineMs) throw error;
      await sleep(100);
    }
  }
}

/** Opens the backend and waits until it has connected. */
export async function openReady(options: CassandraOptions): Promise<CassandraStorage> {
  const storage = openCassandraStorage(options, pino({ level: 'silent' }));
  try {
    await untilReady(storage, 30_000);
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}

/** The rejection of `operation`, which must be a StorageError. */
export async function storageErrorOf(operation: Promise<unknown>): Promise<StorageError> {
  const error: unknown = await operation.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof StorageError)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}
