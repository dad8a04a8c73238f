import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NamespaceStores } from './storage/open.js';
import { type Storage, StorageError } from './storage/storage.js';

// NOTE: a process that has just started answers its first requests slowly: measured on Cassandra at 1,000
// requests/s, the first seconds after /readyz said 200 had a p99 of 0.7-1.2 s against 0.1-0.4 s later (issue 27):
// the driver prepared each statement on its first use while the queries behind it waited, and V8 compiled the
// request path under load. A restart of every pod (a deploy) is when users notice. So /readyz waits for this.
const warmingReason = 'warming up (connections, prepared statements and the request path)';

// Reads of a key no client is given, through each session route: the whole GET path runs (routing, the storage's
// read, the problem answered for an absent key) and nothing is written. A few hundred is what V8 needs to optimise
// the hot functions; they take well under a second.
const warmingRequests = 300;
const warmingConcurrency = 16;
const warmingKey = 'kask-ts:warm-up';

// The warm-up's own requests carry this process's secret in this header: they are left out of the metrics and
// the access log, which count clients' requests. No client can send the secret, drawn at each start.
const warmUpHeader = 'x-kask-ts-warm-up';
const warmUpSecret = randomUUID();

/** Whether `request` is one of the warm-up's own. */
export function isWarmUp(request: FastifyRequest): boolean {
  return request.headers[warmUpHeader] === warmUpSecret;
}

/**
 * `stores` whose ping answers `unavailable` (warming up) until `warmUp` has run: /readyz answers 503 until
 * then, in this process and, through the primary, for a service of several processes.
 */
export function untilWarm(stores: NamespaceStores): {
  stores: NamespaceStores;
  warmUp: (fastify: FastifyInstance, routes: readonly string[]) => Promise<void>;
} {
  let warm = false;
  const gated = new Map<string, Storage>();
  for (const [name, store] of stores) {
    gated.set(name, {
      backend: store.backend,
      get: store.get.bind(store),
      set: store.set.bind(store),
      delete: store.delete.bind(store),
      add: store.add.bind(store),
      compareAndSet: store.compareAndSet.bind(store),
      compareAndDelete: store.compareAndDelete.bind(store),
      touch: store.touch.bind(store),
      refusingWrites: store.refusingWrites.bind(store),
      census: store.census.bind(store),
      // Why the storage cannot answer comes first: a process that never warms up because its cluster is down says so.
      ping: async () => {
        await store.ping();
        if (!warm) throw new StorageError('unavailable', 'the service is warming up', { reason: warmingReason });
      },
      close: store.close.bind(store),
    });
  }
  return {
    stores: gated,
    async warmUp(fastify, routes) {
      await Promise.all([...stores.values()].map((store) => store.warm?.()));
      for (const route of routes) {
        let sent = 0;
        const send = async () => {
          while (sent++ < warmingRequests) {
            await fastify.inject({ method: 'GET', url: `${route}${warmingKey}`, headers: { [warmUpHeader]: warmUpSecret } });
          }
        };
        await Promise.all(Array.from({ length: warmingConcurrency }, send));
      }
      warm = true;
    },
  };
}
