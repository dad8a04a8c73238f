import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { readBuildInfo } from './build-info.js';
import type { Config } from './config.js';
import { describeError, loggerOptions } from './logging.js';
import { openStorage } from './storage/open.js';

// A shutdown that takes longer than this is stuck: in-flight requests get this long to finish.
const shutdownDeadlineMs = 15000;

/** Starts the service: opens the storage, listens, and shuts down gracefully on SIGTERM and SIGINT. */
export async function runServer(config: Config): Promise<FastifyInstance> {
  const logger = pino(loggerOptions(config));
  const storage = await openStorage(config);
  const { fastify } = buildApp({ config, storage, build: readBuildInfo(), logger: { ...loggerOptions(config) } });
  fastify.addHook('onClose', async () => {
    await storage.close();
  });
  try {
    await fastify.listen({ host: config.listen_address, port: config.listen_port });
  } catch (error) {
    await fastify.close();
    throw error;
  }
  logger.info({ storage: config.storage, base_uri: config.base_uri }, 'serving sessions');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, shutdownDeadlineMs).unref();
    fastify.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(describeError(error), 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return fastify;
}
