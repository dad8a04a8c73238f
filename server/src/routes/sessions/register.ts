import type { FastifyInstance, onRequestHookHandler, RouteShorthandOptions } from 'fastify';
import { sessionMethods } from '../../generated/contract.js';
import type { operations } from '../../generated/openapi.js';
import { hasLimits } from '../../limits/limiter.js';
import { LogThrottle } from '../../logging/log-throttle.js';
import { createSession, deleteSession, getSession, methodNotAllowed, setSession, touchSession } from './handlers.js';
import {
  answerCounter,
  declaredSizeLimit,
  ignoreContentType,
  keyParser,
  setRouteHeaders,
  touchCheck,
  writeCheck,
} from './hooks.js';
import type { NamespaceRoute } from './namespace-route.js';
import { type RateLimiting, rateLimiter } from './rate-limits.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The namespace whose session route this is (hooks read it as `request.routeOptions.config.namespace`). */
    namespace?: string;
  }
}

/** Fastify's route typing for an operation of the OpenAPI document: only its declared statuses compile. */
interface OperationRoute<Op extends keyof operations> {
  Reply: { [Status in keyof operations[Op]['responses']]: unknown };
}

/** The session route of every namespace, each over its own store. */
export function registerSessionRoutes(
  app: FastifyInstance,
  routes: readonly NamespaceRoute[],
  limiting: RateLimiting | undefined,
): void {
  app.decorateRequest('sessionKey', '');
  app.decorateRequest('ttlSeconds', 0);
  // Refusals are logged at most once a minute per client, namespace and limit.
  const throttle = new LogThrottle();
  for (const route of routes) {
    const { namespace } = route;
    const limited = limiting !== undefined && hasLimits(namespace.limits);
    const limit = limited ? rateLimiter(namespace, limiting, throttle) : undefined;
    registerNamespaceRoute(app, route, limit);
  }
}

/**
 * One namespace's session route `{base_uri}{key}`: Kask's getSession, setSession and deleteSession, our
 * headSession, createSession (PUT) and touchSession (PATCH), each also conditional (If-Match, If-None-Match),
 * and 405 for every other method; its key and value limits, TTLs and rate limits (`limit`) are the namespace's.
 */
function registerNamespaceRoute(app: FastifyInstance, route: NamespaceRoute, limit: onRequestHookHandler | undefined): void {
  const { namespace, metrics } = route;
  const url = `${namespace.base_uri}*`;
  const config = { namespace: namespace.name };
  const countAnswer = answerCounter(metrics);
  const keyed: RouteShorthandOptions = {
    config,
    bodyLimit: namespace.max_value_bytes,
    onRequest: [
      setRouteHeaders,
      ignoreContentType,
      keyParser(namespace),
      declaredSizeLimit(namespace),
      ...(limit === undefined ? [] : [limit]),
    ],
    onResponse: countAnswer,
  };
  const written: RouteShorthandOptions = { ...keyed, preHandler: writeCheck(namespace) };
  const touched: RouteShorthandOptions = { ...keyed, preHandler: touchCheck(namespace) };

  app.route<OperationRoute<'getSession' | 'headSession'>>({ ...keyed, method: ['GET', 'HEAD'], url, handler: getSession(route) });
  app.post<OperationRoute<'setSession'>>(url, written, setSession(route));
  app.put<OperationRoute<'createSession'>>(url, written, createSession(route));
  app.patch<OperationRoute<'touchSession'>>(url, touched, touchSession(route));
  app.delete<OperationRoute<'deleteSession'>>(url, keyed, deleteSession(route));
  app.route({
    method: app.supportedMethods.filter((method) => !(sessionMethods as readonly string[]).includes(method)),
    url,
    config,
    bodyLimit: namespace.max_value_bytes,
    onRequest: ignoreContentType,
    onResponse: countAnswer,
    handler: methodNotAllowed,
  });
}
