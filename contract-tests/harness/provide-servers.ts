import type { TestProject } from 'vitest/node';
import { removeServerDirectory, startServer } from '../../test-support/server-process.js';

// Cassandra keeps expiry times in whole seconds, so a value lives between ttl - 1 and ttl seconds there:
// the expiry tests need a TTL long enough for that second to be a small part of it.
const shortTtlSeconds = 4;

/**
 * Starts two kask-ts servers with `config` (the second with a short default_ttl, for the expiry tests),
 * provides their URLs to the contract suite, and returns the teardown that stops them (failing when a
 * server did not exit 0 on SIGTERM).
 */
export async function provideServers(project: TestProject, config: Record<string, unknown>): Promise<() => Promise<void>> {
  const [main, shortTtl] = await Promise.all([startServer(config), startServer({ ...config, default_ttl: shortTtlSeconds })]);
  project.provide('kaskBaseUrl', main.baseUrl);
  project.provide('kaskShortTtlBaseUrl', shortTtl.baseUrl);
  project.provide('kaskShortTtlSeconds', shortTtlSeconds);
  return async () => {
    // Both are stopped whatever happens to the other, so that a failed stop leaves no server behind.
    const codes = await Promise.all([main, shortTtl].map((server) => server.stop()));
    for (const [i, server] of [main, shortTtl].entries()) {
      removeServerDirectory(server);
      if (codes[i] !== 0) throw new Error(`kask-ts exited with ${codes[i]} on SIGTERM:\n${server.output()}`);
    }
  };
}
