import type { TestProject } from 'vitest/node';
import { removeServerDirectory, startServer } from './server-process.js';

const shortTtlSeconds = 2;

/** Starts two kask-ts servers on the embedded store (one with a short TTL) for the contract suite. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [main, shortTtl] = await Promise.all([startServer(), startServer({ default_ttl: shortTtlSeconds })]);
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
