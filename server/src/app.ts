import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { accessControl } from './auth/access-control.js';
import { reportFailedHandshakes } from './auth/failed-handshakes.js';
import type { ClientPermissions } from './auth/permissions.js';
import type { BuildInfo } from './build-info.js';
import { clusterServiceView, localServiceView } from './cluster/service-view.js';
import { limitsOfThePrimary } from './cluster/shared-limits.js';
import { closeWithoutContinue, deferContinue, sendContinue } from './http/deferred-continue.js';
import { errorHandler } from './http/error-handler.js';
import { routeEveryMethod } from './http/every-method.js';
import { ignoreUpgrades } from './http/ignored-upgrades.js';
import { refuseMalformedRequests } from './http/malformed-requests.js';
import { createNodeServer } from './http/node-server.js';
import { oneRequestAtATime } from './http/one-request-at-a-time.js';
import { decodedPath, malformedPathDetail, originForm } from './http/paths.js';
import { sendProblem } from './http/problems.js';
import { answerClientError } from './http/raw-responses.js';
import { KeyWrites, keyHasher } from './insight/key-writes.js';
import { localLimits } from './limits/decisions.js';
import { anyLimits, type LimitedNamespace, Limiter } from './limits/limiter.js';
import { accessLog } from './logging/access-log.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { NamespaceMetrics } from './metrics/namespace-metrics.js';
import { registerOperationRoutes } from './routes/operations.js';
import type { RateLimiting } from './routes/sessions/rate-limits.js';
import { registerSessionRoutes } from './routes/sessions/register.js';
import type { ServiceStart } from './start-up.js';
import { instrumentStorage } from './storage/instrumented.js';
import type { Storage } from './storage/storage.js';

/** What the app is built from (the configuration and what start-up made of it, then the rest); it opens nothing itself. */
export interface AppDependencies extends ServiceStart {
  /** Every namespace's store, by name. */
  readonly storage: ReadonlyMap<string, Storage>;
  readonly build: BuildInfo;
  readonly logger: FastifyBaseLogger;
  /** This process is one worker of several: /metrics, /healthz and /readyz report all of them, through the primary. */
  readonly clustered: boolean;
}

/** The app and its metrics (the cluster primary aggregates them). */
export interface App {
  readonly fastify: FastifyInstance;
  readonly metrics: Metrics;
}

/** Builds the HTTP service over every namespace's store; listening and shutdown are the caller's. */
export function buildApp({ config, document, insightSecret, storage, build, logger, clustered }: AppDependencies): App {
  const metrics = createMetrics(build);
  // Keys are followed only as their keyed hash: without the secret, not at all.
  const idOf = insightSecret === undefined ? undefined : keyHasher(insightSecret);
  const followed = new Map(
    idOf === undefined ? [] : config.namespaces.map(({ name }) => [name, new KeyWrites(config.insight.window_seconds, idOf)]),
  );
  const service = (clustered ? clusterServiceView : localServiceView)(metrics.registry, storage, followed);
  const routes = config.namespaces.map((namespace) => {
    const store = storage.get(namespace.name);
    if (store === undefined) throw new Error(`no store for the namespace ${namespace.name}`);
    const observed = new NamespaceMetrics(metrics, namespace.name, config.storage);
    return {
      namespace,
      storage: instrumentStorage(store, observed),
      metrics: observed,
      keyWrites: followed.get(namespace.name),
      compareRate: config.insight.compare_rate,
    };
  });
  const logAccess = config.access_log ? accessLog(logger) : undefined;
  const options: FastifyServerOptions = {
    loggerInstance: logger,
    // Request logs would carry URLs, and URLs carry session keys.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    // The client's X-Request-ID is read by requestIds, which bounds it.
    requestIdHeader: false,
    genReqId: requestIds(),
    exposeHeadRoutes: false,
    return503OnClosing: false,
    // Each session route has its namespace's limit; this one is for every other route.
    bodyLimit: Math.max(...config.namespaces.map((namespace) => namespace.max_value_bytes)),
    rewriteUrl: (request) => originForm(request.url ?? '/'),
    clientErrorHandler: answerClientError,
    frameworkErrors(error, request, reply) {
      // A URL the router cannot decode; its message quotes the URL, so it is neither logged nor sent.
      reply.log.debug({ error_class: error.name }, 'request rejected by the router');
      // NOTE: fastify answers it without running any hook: it still waits for the requests before it, is
      // refused as malformed first, closes the connection and is in the access log as any other request would.
      if (logAccess !== undefined) reply.raw.once('finish', () => logAccess.call(app, request, reply, () => {}));
      oneRequestAtATime.call(app, request, reply, () =>
        refuseMalformedRequests.call(app, request, reply, () =>
          sendProblem(reply, 'bad_request', decodedPath(request.url), malformedPathDetail),
        ),
      );
    },
  };
  const app = Fastify({ ...options, serverFactory: (handler) => createNodeServer(config, handler) });
  if (app.server instanceof HttpsServer) reportFailedHandshakes(app.server, metrics, logger);
  const authorize = accessControl(config, metrics);
  // Read by the rate limits and the access log, whether or not the access check runs.
  app.decorateRequest('clientIdentity', '');
  deferContinue(app.server);

  // Values are opaque bytes whatever the Content-Type says, so no body is ever parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler(errorHandler(config.storage));

  app.addHook('onRequest', oneRequestAtATime);
  // A request that is not sound HTTP is refused before anything reads it, the access check included: it may
  // have lost the very fields (a client identity) that check reads.
  app.addHook('onRequest', refuseMalformedRequests);
  // Before every hook that answers about a route: a client that may not use it learns nothing from it.
  if (authorize !== undefined) app.addHook('onRequest', authorize);
  app.addHook('preParsing', sendContinue);
  app.addHook('onSend', closeWithoutContinue);
  if (logAccess !== undefined) app.addHook('onResponse', logAccess);
  routeEveryMethod(app);
  ignoreUpgrades(app.server);

  app.setNotFoundHandler((request, reply) => sendProblem(reply, 'not_found', decodedPath(request.url)));

  registerSessionRoutes(app, routes, rateLimiting(config, clustered, metrics, logger));
  registerOperationRoutes(app, {
    document,
    backend: config.storage,
    build,
    service,
    metricsContentType: metrics.registry.contentType,
    insight: idOf === undefined ? undefined : config.insight,
  });
  return { fastify: app, metrics };
}

/**
 * Where the namespaces' rate limits are decided: in this process, or, with workers, by the primary for all of them,
 * so that a limit holds for the whole service. Undefined when no namespace has any: no request pays for them.
 */
function rateLimiting(
  { namespaces, clients }: { readonly namespaces: readonly LimitedNamespace[]; readonly clients: ClientPermissions | undefined },
  clustered: boolean,
  metrics: Metrics,
  logger: FastifyBaseLogger,
): RateLimiting | undefined {
  if (!anyLimits(namespaces)) return undefined;
  const limits = clustered ? limitsOfThePrimary(namespaces, logger) : localLimits(new Limiter(namespaces, performance.now()));
  return { limits, metrics, listedClients: new Set(Object.keys(clients ?? {})) };
}

/** Request ids for requests without X-Request-ID: unique across processes and restarts, and cheap (no UUID per request). */
function requestIds(): (request: IncomingMessage) => string {
  const prefix = randomUUID().slice(0, 8);
  let count = 0;
  return (request) => {
    const given = request.headers['x-request-id'];
    // A client's id is logged with every line of its request: one too long to be an id (MediaWiki's are 24
    // characters, UUIDs 36) would let any client write that much to the log per request.
    if (typeof given === 'string' && given.length > 0 && given.length <= maxRequestIdLength) return given;
    return `${prefix}-${(++count).toString(36)}`;
  };
}

const maxRequestIdLength = 128;
