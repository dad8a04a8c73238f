import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { configFrom } from '../../src/config/load.js';
import { prepareService } from '../../src/start-up.js';
import { closeStores, openStorage } from '../../src/storage/open.js';
import { testBuild as build } from './build.js';

/**
 * For a test file: a `listen` that builds the app from a configuration file's keys (under /sessions/v1/ unless
 * it declares namespaces) over a fresh embedded store and listens on loopback, resolving its port; each app is
 * closed and its store removed after its test.
 */
export function listeningAppsClosedAfterEach(): (file: Record<string, unknown>) => Promise<number> {
  const opened: { app: App; directory: string }[] = [];
  afterEach(async () => {
    for (const { app, directory } of opened.splice(0)) {
      await app.fastify.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
  return async (file) => {
    const directory = mkdtempSync(join(tmpdir(), 'kask-app-'));
    const config = configFrom({
      ...('namespaces' in file ? {} : { base_uri: '/sessions/v1/' }),
      ...file,
      embedded: { path: directory },
    });
    const storage = await openStorage(config, { maintain: false, log: pino({ level: 'silent' }) });
    const app = buildApp({ ...prepareService(config), storage, build, logger: pino({ level: 'silent' }), clustered: false });
    app.fastify.addHook('onClose', () => closeStores(storage));
    opened.push({ app, directory });
    await app.fastify.listen({ host: '127.0.0.1', port: 0 });
    return (app.fastify.server.address() as AddressInfo).port;
  };
}
