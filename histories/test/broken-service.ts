import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../../server/src/app.js';
import { configFrom } from '../../server/src/config/load.js';
import { prepareService } from '../../server/src/start-up.js';
import { closeStores, openStorage } from '../../server/src/storage/open.js';
import type { Storage } from '../../server/src/storage/storage.js';
import { testBuild } from '../../server/test/support/build.js';
import { untilStorageAnswers } from '../../test-support/server-process.js';

/**
 * How a deliberately broken build breaks the store under kask-ts's real HTTP layer: it acknowledges every nth plain
 * write (POST) but keeps the old value, or every nth DELETE but keeps the value, or stores every TTL three times
 * as long as asked, or answers 204 to a DELETE that failed (a data centre out of reach: what a partition tests).
 */
export type Breakage = 'drops-writes' | 'drops-deletes' | 'extends-ttls' | 'hides-delete-failures';

// Often enough that even a slow run (a few hundred operations) reads a dropped write or delete back.
const everyNth = 5;

/** `store` with the breakage: the checkers must find it. */
function broken(store: Storage, breakage: Breakage): Storage {
  let calls = 0;
  const nth = () => ++calls % everyNth === 0;
  return {
    backend: store.backend,
    get: (key) => store.get(key),
    set: async (key, value, ttlSeconds, compare) => {
      if (breakage === 'drops-writes' && nth()) return 'changed';
      return store.set(key, value, breakage === 'extends-ttls' ? ttlSeconds * 3 : ttlSeconds, compare);
    },
    delete: async (key) => {
      if (breakage === 'drops-deletes' && nth()) return;
      if (breakage === 'hides-delete-failures') return store.delete(key).catch(() => {});
      return store.delete(key);
    },
    add: (key, value, ttlSeconds) => store.add(key, value, ttlSeconds),
    compareAndSet: (key, expected, value, ttlSeconds) => store.compareAndSet(key, expected, value, ttlSeconds),
    compareAndDelete: (key, expected) => store.compareAndDelete(key, expected),
    touch: (key, ttlSeconds) => store.touch(key, ttlSeconds),
    ping: () => store.ping(),
    refusingWrites: () => store.refusingWrites(),
    census: () => store.census(),
    close: () => store.close(),
  };
}

/**
 * kask-ts's app in this process with `breakage`, listening on loopback, over a real store: the embedded one, or the
 * one `backend` configures (`{ storage: 'cassandra', cassandra: ... }`).
 */
export async function startBrokenService(
  breakage: Breakage,
  backend: Record<string, unknown> = {},
): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), 'kask-broken-'));
  const config = configFrom({ base_uri: '/sessions/v1/', embedded: { path: directory }, ...backend });
  const stores = await openStorage(config, { maintain: false, log: pino({ level: 'silent' }) });
  const storage = new Map([...stores].map(([name, store]) => [name, broken(store, breakage)]));
  const logger = pino({ level: 'silent' });
  const app = buildApp({ ...prepareService(config), storage, build: testBuild, logger, clustered: false });
  await app.fastify.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.fastify.server.address() as AddressInfo;
  await untilStorageAnswers({ origin: `http://127.0.0.1:${port}` });
  return {
    baseUrl: `http://127.0.0.1:${port}/sessions/v1/`,
    async stop() {
      await app.fastify.close();
      await closeStores(stores);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
