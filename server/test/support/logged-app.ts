import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import type { Config } from '../../src/config/load.js';
import { loggerOptions } from '../../src/logging/logging.js';
import { prepareService } from '../../src/start-up.js';
import type { Storage } from '../../src/storage/storage.js';
import { testBuild } from './build.js';

/** Apps a test builds, and the log lines they wrote. */
export interface LoggedApps {
  /** An app (one process, not listening) over `storage`, every namespace's store by name, writing its log to `logs`. */
  build(config: Config, storage: ReadonlyMap<string, Storage>): App;
  /** The log lines the test's apps wrote, as they came. */
  readonly logs: string;
}

/** For a test file: apps whose log lines are kept; each is closed, and its lines forgotten, after its test. */
export function loggedAppsClosedAfterEach(): LoggedApps {
  const built: App[] = [];
  let logs = '';
  afterEach(async () => {
    for (const app of built.splice(0)) await app.fastify.close();
    logs = '';
  });
  return {
    build(config, storage) {
      const stream = new Writable({
        write(chunk, _encoding, done) {
          logs += chunk.toString();
          done();
        },
      });
      const app = buildApp({
        ...prepareService(config),
        storage,
        build: testBuild,
        logger: pino(loggerOptions(config), stream),
        clustered: false,
      });
      built.push(app);
      return app;
    },
    get logs() {
      return logs;
    },
  };
}
