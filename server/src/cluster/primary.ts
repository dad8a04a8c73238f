import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { hasTls, nothingToReload } from '../http/tls.js';
import { describeError } from '../logging/logging.js';
import { openMaintenance } from '../storage/open.js';
import { servingNodeOptions } from './node-options.js';
import { type PortGroup, workerEnvironment } from './port-groups.js';
import { answerServiceQuestions } from './service-view.js';
import { answerLimitChecks } from './shared-limits.js';

// Workers get this long to drain on SIGTERM before they are killed.
const drainDeadlineMs = 20000;

// A replacement worker that fails to start is tried again after this long, doubled each time up to the maximum.
const minRetryDelayMs = 500;
const maxRetryDelayMs = 30000;

/**
 * The primary of a clustered service: forks `workers` processes for each port, which share its listening socket,
 * replaces one that dies, does the storage's maintenance once for all of them, answers the workers'
 * questions about the whole service (metrics, readiness), decides their requests' rate limits, relays SIGHUP (reload the TLS certificates) to every
 * worker, and on SIGTERM or SIGINT drains every worker before exiting.
 */
export async function runPrimary(config: Config, groups: readonly PortGroup[], workers: number, logger: Logger): Promise<void> {
  const listening = new Set<number>();
  // By worker id: the port each serves, which its replacement serves too.
  const served = new Map<number, PortGroup>();
  answerServiceQuestions(
    (worker) => listening.has(worker.id),
    (one, other) => served.get(one.id) === served.get(other.id),
  );
  // A namespace's buckets are spent by the workers of its port alone.
  answerLimitChecks(config.namespaces, workers);
  // Each worker holds its own copy of the certificates: every one reloads them. SIGHUP ends a process that has
  // no handler for it, which a worker installs only as it starts to listen: a worker still starting (at start-up,
  // or a replacement) gets the signal once it listens instead, as it may have read the files before they changed.
  // Handled before the storage opens, which can take seconds, for the same reason; without TLS too, which it
  // would otherwise end.
  const reloadOnListening = new Set<number>();
  process.on('SIGHUP', () => {
    if (!hasTls(config.tls)) return nothingToReload(logger);
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker === undefined) continue;
      if (listening.has(worker.id)) worker.process.kill('SIGHUP');
      else reloadOnListening.add(worker.id);
    }
  });
  // The primary serves no requests; it holds the store only to maintain it, once for all workers.
  const maintenance = await openMaintenance(config, logger);
  let stopping = false;

  // NOTE: the workers accept connections themselves from the one listening socket they share, instead of the
  // primary accepting each and handing it over (node:cluster's default round robin). A handover is one round trip
  // through the primary and through the receiving worker's event loop, one connection per worker at a time, so
  // under load new connections wait for loop turns of busy workers: with 2 workers on 2 cores, the 256 connections
  // a client opens at once took over a second to reach them (wrk's p99 0.78-1.14 s against 67-97 ms, the same
  // rate), and a lone new connection waited 16-22 ms against 12-15 (p50). The kernel wakes whichever worker is
  // waiting, so an idle one takes the next connection; measured split 115/145 to 83/177 of 256, CPU 48-52%. A
  // worker that dies also takes no connection with it that it had not accepted.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // The workers serve; the primary, which serves no request, keeps V8's defaults.
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...servingNodeOptions(config)] });
  const fork = (group: PortGroup): Worker => {
    const worker = cluster.fork(workerEnvironment(group));
    served.set(worker.id, group);
    return worker;
  };
  const stop = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
    logger.info({ workers: workers.length }, 'shutting down: draining every worker');
    const killer = setTimeout(() => {
      for (const worker of workers) worker.process.kill('SIGKILL');
    }, drainDeadlineMs).unref();
    const exits = workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve)));
    for (const worker of workers) worker.process.kill('SIGTERM');
    await Promise.all(exits);
    clearTimeout(killer);
    await maintenance?.close().catch((error: unknown) => logger.error(describeError(error), 'closing the storage failed'));
    logger.info('stopped');
    process.exit(exitCode);
  };

  let serving = false;
  let retryDelayMs = minRetryDelayMs;
  cluster.on('exit', (worker, code, signal) => {
    const wasListening = listening.delete(worker.id);
    reloadOnListening.delete(worker.id);
    const group = served.get(worker.id) as PortGroup;
    served.delete(worker.id);
    if (stopping) return;
    if (wasListening) {
      logger.error({ worker: worker.id, port: group.port, code, signal }, 'a worker exited; starting a replacement');
      fork(group);
      return;
    }
    if (!serving || listening.size === 0) {
      // At start-up, a worker that cannot start will not start on the next try either (port taken, a
      // configuration error): a supervisor sees the failure instead of a respawn loop.
      logger.fatal({ worker: worker.id, code, signal }, 'a worker exited before it listened; stopping the service');
      void stop(1);
      return;
    }
    // A replacement that cannot start (a certificate file broken since start-up, say) must not take down the
    // workers that still serve: it is tried again, less and less often, until it starts.
    logger.error(
      { worker: worker.id, code, signal, retry_in_ms: retryDelayMs },
      'a replacement worker exited before it listened; trying again later',
    );
    setTimeout(() => stopping || fork(group), retryDelayMs);
    retryDelayMs = Math.min(2 * retryDelayMs, maxRetryDelayMs);
  });
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));

  const started = new Promise<void>((resolve) => {
    cluster.on('listening', (worker) => {
      listening.add(worker.id);
      if (reloadOnListening.delete(worker.id)) worker.process.kill('SIGHUP');
      retryDelayMs = minRetryDelayMs;
      if (listening.size === workers * groups.length) resolve();
    });
  });
  for (const group of groups) for (let i = 0; i < workers; i++) fork(group);
  await started;
  serving = true;
  logger.info({ workers: workers * groups.length, storage: config.storage }, 'every worker is serving');
}
