import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerOptions } from 'node:http';
import type { Server as HttpsServer, ServerOptions as HttpsServerOptions } from 'node:https';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { accessControl } from './auth/access-control.js';
import { reportFailedHandshakes } from './auth/failed-handshakes.js';
import type { BuildInfo } from './build-info.js';
import { clusterServiceView, localServiceView } from './cluster/service-view.js';
import type { Config } from './config/load.js';
import { errorHandler } from './http/error-handler.js';
import { routeEveryMethod } from './http/every-method.js';
import { ignoreUpgrades } from './http/ignored-upgrades.js';
import { refuseMalformedRequests } from './http/malformed-requests.js';
import { oneRequestAtATime } from './http/one-request-at-a-time.js';
import { decodedPath, malformedPathDetail, originForm } from './http/paths.js';
import { sendProblem } from './http/problems.js';
import { answerClientError, rejectOversizedBeforeContinue } from './http/raw-responses.js';
import { hasTls, secureContextOptions } from './http/tls.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { NamespaceMetrics } from './metrics/namespace-metrics.js';
import { registerOperationRoutes } from './routes/operations.js';
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

// NOTE: Node enforces headersTimeout and requestTimeout only when it checks its connections, every 30 s by
// default, so a client that stalls mid-request would hold its socket up to 30 s past either timeout.
const connectionsCheckingIntervalMs = 500;

// Node's default room for the request line and headers.
const defaultMaxHeaderBytes = 16384;

/** Node's server options: timeouts and sizes, and TLS when configured (https.createServer takes both in one object). */
function serverOptions(config: Config): { https: HttpsServerOptions } | { http: ServerOptions } {
  const http: ServerOptions = {
    // requestTimeout is fastify's own option, which it sets on the server after creating it.
    headersTimeout: config.headers_timeout_ms,
    connectionsCheckingInterval: connectionsCheckingIntervalMs,
    // The longest key must fit in the request line percent-encoded (three characters a byte), or it would be
    // refused with 431 however short the rest of the request.
    maxHeaderSize: defaultMaxHeaderBytes + 3 * Math.max(...config.namespaces.map((namespace) => namespace.max_key_bytes)),
    // Node answers an HTTP/1.1 request without Host with a bare 400 before any route; refuseMalformedRequests
    // answers it with a problem instead.
    requireHostHeader: false,
  };
  if (!hasTls(config.tls)) return { http };
  // With a client CA, a client without a certificate it signed is refused at the handshake.
  const verifyClients = config.tls.client_ca !== undefined;
  return {
    https: {
      ...http,
      ...secureContextOptions(config.tls),
      requestCert: verifyClients,
      rejectUnauthorized: verifyClients,
      // As node:http's own server sets for its sockets: a client's half-close must not end the server's side of
      // the connection before its answers are written (see httpAllowHalfOpen below). node:https does not.
      allowHalfOpen: true,
    },
  };
}

/** Builds the HTTP service over every namespace's store; listening and shutdown are the caller's. */
export function buildApp({ config, document, storage, build, logger, clustered }: AppDependencies): App {
  const metrics = createMetrics(build);
  const service = (clustered ? clusterServiceView : localServiceView)(metrics.registry, storage);
  const routes = config.namespaces.map((namespace) => {
    const store = storage.get(namespace.name);
    if (store === undefined) throw new Error(`no store for the namespace ${namespace.name}`);
    const observed = new NamespaceMetrics(metrics, namespace.name, store.backend);
    return { namespace, storage: instrumentStorage(store, observed), metrics: observed };
  });
  const app = Fastify({
    ...serverOptions(config),
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
    requestTimeout: config.request_timeout_ms,
    rewriteUrl: (request) => originForm(request.url ?? '/'),
    keepAliveTimeout: config.keep_alive_timeout_ms,
    clientErrorHandler: answerClientError,
    frameworkErrors(error, request, reply) {
      // A URL the router cannot decode; its message quotes the URL, so it is neither logged nor sent.
      reply.log.debug({ error_class: error.name }, 'request rejected by the router');
      // NOTE: fastify answers it without running any hook: it still waits for the requests before it, is
      // refused as malformed first, and closes the connection as any other request would.
      oneRequestAtATime.call(app, request, reply, () =>
        refuseMalformedRequests.call(app, request, reply, () =>
          sendProblem(reply, 'bad_request', decodedPath(request.url), malformedPathDetail),
        ),
      );
    },
  }) as unknown as FastifyInstance;
  if (hasTls(config.tls)) reportFailedHandshakes(app.server as HttpsServer, metrics, logger);
  // NOTE: RFC 9112 section 9.6: a client that closes its side once it has sent its requests (`printf | nc -N`)
  // still wants their answers. Node's server, unless told otherwise by this (undocumented, long-standing)
  // property, aborts the requests in flight at the client's FIN and ends the connection: a POST was stored and
  // its 201 never sent. With it, the connection closes after the answer to the last request.
  (app.server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  const authorize = accessControl(config, metrics);
  // The early 413 is written before any hook runs, and would tell any client the limit: with clients listed,
  // Node sends 100 Continue, and the session route's own check answers 413 after the access check.
  if (authorize === undefined) rejectOversizedBeforeContinue(app.server as Server, routes);

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
  routeEveryMethod(app);
  ignoreUpgrades(app.server as Server);

  app.setNotFoundHandler((request, reply) => sendProblem(reply, 'not_found', decodedPath(request.url)));

  registerSessionRoutes(app, routes);
  registerOperationRoutes(app, {
    document,
    backend: config.storage,
    build,
    service,
    metricsContentType: metrics.registry.contentType,
  });
  return { fastify: app, metrics };
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
