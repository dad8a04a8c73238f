import cluster from 'node:cluster';
import { Server as HttpsServer } from 'node:https';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { buildApp } from './app.js';
import { readBuildInfo } from './build-info.js';
import { restartWithNodeOptions, servingNodeOptions } from './cluster/node-options.js';
import { endWithThePrimary } from './cluster/orphaned-worker.js';
import { beNice, groupOfThisWorker, portGroups, servingGroup } from './cluster/port-groups.js';
import { runPrimary } from './cluster/primary.js';
import { servingProcesses } from './cluster/serving-processes.js';
import { nothingToReload, reloadTls } from './http/tls.js';
import { logConsoleWarnings } from './logging/console.js';
import { describeError, loggerOptions } from './logging/logging.js';
import type { ServiceStart } from './start-up.js';
import { closeStores, openStorage } from './storage/open.js';
import { untilWarm } from './warm-up.js';

// NOTE: pino's own destination (sonic-boom, asynchronous) flushes at exit and retries a failed write until it
// succeeds: once the log's reader had gone (EPIPE), a SIGTERM never ended the process. process.stdout writes to a
// pipe or file synchronously on Linux, and a reader's leaving is an 'error' that commands.ts drops.
const logDestination = process.stdout;

// A shutdown that takes longer than this is stuck: in-flight requests get this long to finish.
const shutdownDeadlineMs = 15000;

/**
 * Starts the service as configured: in this process alone (one serving process), or as the primary of several
 * processes sharing the port (each of which calls this again and serves).
 */
export async function runService(start: ServiceStart): Promise<void> {
  const logger = pino(loggerOptions(start.config), logDestination);
  logConsoleWarnings(logger);
  const groups = portGroups(start.config.namespaces);
  // A worker exists because its primary chose several; its own reading of the file (a default that depends
  // on this machine, which may have changed since) must not turn it into a service of its own.
  if (cluster.isWorker) {
    endWithThePrimary();
    const group = groupOfThisWorker(groups);
    beNice(group.nice);
    const served = { ...start, config: servingGroup(start.config, group) };
    await runServer(served, logger.child({ worker: cluster.worker?.id }), { maintain: false, clustered: true });
    return;
  }
  const workers = servingProcesses(start.config, groups.length);
  // A process that serves alone runs with the serving processes' node options: restarted with them if it lacks them.
  const nodeOptions = servingNodeOptions(start.config);
  const restarted = workers.count > 1 || groups.length > 1 || restartWithNodeOptions(nodeOptions);
  logger.info({ workers: workers.count, reason: workers.reason, ports: groups.length }, 'serving processes chosen');
  if (!restarted) logger.warn({ node_options: nodeOptions }, 'this Node.js cannot restart itself with these options');
  if (workers.fits !== undefined) {
    logger.warn(
      { workers: workers.count, fits: workers.fits.count, reason: workers.fits.reason },
      'more serving processes than this machine fits',
    );
  }
  const [only] = groups;
  if (workers.count === 1 && groups.length === 1 && only !== undefined) {
    beNice(only.nice);
    await runServer({ ...start, config: servingGroup(start.config, only) }, logger, { maintain: true, clustered: false });
  } else await runPrimary(start.config, groups, workers.count, logger);
}

interface ServerRole {
  /** This process purges expired values. */
  readonly maintain: boolean;
  /** /metrics reports every worker of the service, collected through the primary. */
  readonly clustered: boolean;
}

/** Opens the storage, listens, and shuts down gracefully on SIGTERM and SIGINT. */
async function runServer(start: ServiceStart, logger: Logger, role: ServerRole): Promise<FastifyInstance> {
  const { config } = start;
  const storage = await openStorage(config, { maintain: role.maintain, log: logger });
  const warming = untilWarm(storage);
  const { fastify } = buildApp({
    ...start,
    storage: warming.stores,
    build: readBuildInfo(),
    logger,
    clustered: role.clustered,
  });
  fastify.addHook('onClose', async () => {
    await closeStores(storage);
  });
  // SIGHUP reloads the TLS files, and never ends the process (Node's default, and Kask's). Handled before
  // listening: a worker's primary sends it on as soon as the worker listens.
  const server = fastify.server;
  process.on('SIGHUP', () => (server instanceof HttpsServer ? reloadTls(server, config.tls, logger) : nothingToReload(logger)));
  try {
    await fastify.listen({
      host: config.listen_address,
      port: config.listen_port,
      // NOTE: fastify writes the scheme from its own https option, which a server made by serverFactory leaves unset.
      listenTextResolver: (address) =>
        `Server listening at ${server instanceof HttpsServer ? address.replace(/^http:/, 'https:') : address}`,
    });
  } catch (error) {
    await fastify.close();
    throw error;
  }
  const namespaces = Object.fromEntries(config.namespaces.map(({ name }) => [name, start.namespaces[name]]));
  logger.info({ storage: config.storage, namespaces }, 'serving sessions');
  const warmingStarted = performance.now();
  void warming
    .warmUp(
      fastify,
      config.namespaces.map((namespace) => namespace.base_uri),
    )
    .then(
      () => logger.info({ ms: Math.round(performance.now() - warmingStarted) }, 'warmed up: ready'),
      (error: unknown) => logger.error(describeError(error), 'warming up failed'),
    );

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
