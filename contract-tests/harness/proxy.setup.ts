import type { TestProject } from 'vitest/node';
import { freePort, removeServerDirectory, type ServerProcess, startServer } from '../../test-support/server-process.js';
import { startPrism } from './prism.js';

async function stopServer(server: ServerProcess): Promise<void> {
  const code = await server.stop();
  removeServerDirectory(server);
  if (code !== 0) throw new Error(`kask-ts exited with ${code} on SIGTERM:\n${server.output()}`);
}

/**
 * Starts a kask-ts server on the embedded store behind Prism's validating proxy (`prism proxy --errors`), so
 * that a tool we did not write checks every response against openapi/openapi.yaml: a response that breaks
 * it reaches the suite as Prism's 500 with an `sl-violations` header, which fails the test.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  // Both start at once: Prism only needs the upstream's address, not an answer from it.
  const [server, prism] = await Promise.allSettled([
    startServer({ listen_port: port }),
    startPrism({ mode: 'proxy', upstream: `http://127.0.0.1:${port}` }),
  ]);
  if (server.status === 'rejected' || prism.status === 'rejected') {
    if (prism.status === 'fulfilled') await prism.value.stop();
    if (server.status === 'fulfilled') await stopServer(server.value);
    throw server.status === 'rejected' ? server.reason : (prism as PromiseRejectedResult).reason;
  }
  project.provide('kaskBaseUrl', `${prism.value.origin}/sessions/v1/`);
  return async () => {
    await prism.value.stop();
    await stopServer(server.value);
  };
}
