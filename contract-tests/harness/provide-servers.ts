import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { removeServerDirectory, startServer, untilStorageAnswers } from '../../test-support/server-process.js';
import { contractLimitsConfig } from './limits.js';
import { contractInsightSecret, contractNamespaces, namespaceTargets } from './namespaces.js';

// Cassandra keeps expiry times in whole seconds, so a value lives between ttl - 1 and ttl seconds there:
// the expiry tests need a TTL long enough for that second to be a small part of it.
const shortTtlSeconds = 4;

/**
 * Starts four kask-ts servers with `config`: as it is, with a short default_ttl (for the expiry tests), with the
 * two namespaces of `contractNamespaces` and insight (for the namespace tests), and with the rate limits of
 * `contractLimitsConfig` on two workers (for the limits tests); provides their URLs to the contract suite, and
 * returns the teardown that stops them (failing when a server did not exit 0 on SIGTERM).
 */
export async function provideServers(project: TestProject, config: Record<string, unknown>): Promise<() => Promise<void>> {
  const secretDirectory = mkdtempSync(join(tmpdir(), 'kask-contract-insight-'));
  const secretFile = join(secretDirectory, 'insight.key');
  writeFileSync(secretFile, `${contractInsightSecret}\n`);
  const servers = await Promise.all([
    startServer(config),
    startServer({ ...config, default_ttl: shortTtlSeconds }),
    startServer({ ...config, namespaces: contractNamespaces, insight: { secret_file: secretFile } }),
    startServer({ ...config, ...contractLimitsConfig }),
  ]);
  // On Cassandra a server listens before its session is up: the suite starts once every one is ready.
  await Promise.all(servers.map((server) => untilStorageAnswers(server)));
  const [main, shortTtl, namespaced, limited] = servers;
  project.provide('kaskBaseUrl', main.baseUrl);
  project.provide('kaskShortTtlBaseUrl', shortTtl.baseUrl);
  project.provide('kaskShortTtlSeconds', shortTtlSeconds);
  project.provide('kaskNamespaces', namespaceTargets(namespaced.origin));
  project.provide('kaskLimitsOrigin', limited.origin);
  return async () => {
    // Every one is stopped whatever happens to the others, so that a failed stop leaves no server behind.
    const codes = await Promise.all(servers.map((server) => server.stop()));
    rmSync(secretDirectory, { recursive: true, force: true });
    for (const [i, server] of servers.entries()) {
      removeServerDirectory(server);
      if (codes[i] !== 0) throw new Error(`kask-ts exited with ${codes[i]} on SIGTERM:\n${server.output()}`);
    }
  };
}
