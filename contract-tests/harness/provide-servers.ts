import type { TestProject } from 'vitest/node';
import { removeServerDirectory, startServer } from './server-process.js';

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
    for (const server of [main, shortTtl]) {
      const code = await server.stop();
      removeServerDirectory(server);
      if (code !== 0) throw new Error(`kask-ts exited with ${code} on SIGTERM:\n${server.output()}`);
    }
  };
}
