import type {
  FastifyInstance,
  FastifyReply,
  onRequestHookHandler,
  onResponseHookHandler,
  preHandlerHookHandler,
  RouteShorthandOptions,
} from 'fastify';
import type { Config } from '../config.js';
import { type ProblemName, sendProblem } from '../errors.js';
import { mediaTypes, sessionMethods } from '../generated/contract.js';
import type { operations } from '../generated/openapi.js';
import type { Metrics } from '../metrics.js';
import type { Storage } from '../storage/storage.js';
import { effectiveTtl, etagOf, ifMatchAccepts, requestedTtl } from './conditions.js';
import { decodedPath } from './paths.js';
import { parseSessionKey } from './session-key.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session key of a request on the session route, parsed once by its onRequest hook. */
    sessionKey: string;
    /** The TTL a write or touch gets, read once from its Cache-Control by its preHandler hook. */
    ttlSeconds: number;
  }
}

/** Fastify's route typing for an operation of the OpenAPI document: only its declared statuses compile. */
interface OperationRoute<Op extends keyof operations> {
  Reply: { [Status in keyof operations[Op]['responses']]: unknown };
}

interface SessionRouteDependencies {
  readonly config: Config;
  readonly storage: Storage;
  readonly metrics: Metrics;
}

/**
 * The session route `{base_uri}{key}`: Kask's getSession, setSession and deleteSession, our createSession
 * (PUT), touchSession (PATCH) and compare-and-set (POST with If-Match), and 405 for every other method.
 */
export function registerSessionRoutes(app: FastifyInstance, { config, storage, metrics }: SessionRouteDependencies): void {
  const url = `${config.base_uri}*`;
  app.decorateRequest('sessionKey', '');
  app.decorateRequest('ttlSeconds', 0);
  // Label lookups hash their labels on every call: each (code, method)'s children are looked up once.
  const requestMetrics = new Map<string, { count: { inc(): void }; duration: { observe(seconds: number): void } }>();
  const requestMetricsOf = (statusCode: number, method: string) => {
    const id = `${statusCode} ${method}`;
    let children = requestMetrics.get(id);
    if (children === undefined) {
      const labels = { code: String(statusCode), method };
      children = { count: metrics.requests.labels(labels), duration: metrics.requestDuration.labels(labels) };
      requestMetrics.set(id, children);
    }
    return children;
  };
  const onResponse: onResponseHookHandler = (request, reply, done) => {
    const observed = requestMetricsOf(reply.statusCode, request.method);
    observed.count.inc();
    observed.duration.observe(reply.elapsedTime / 1000);
    done();
  };
  const ignoreContentType: onRequestHookHandler = (request, _reply, done) => {
    // NOTE: fastify parses Content-Type before any body parser runs, and answers 415 (a 400 here) to a value
    // it cannot parse, such as `application/octet-stream, application/octet-stream` from a client that
    // merged two headers: a logout with one would fail. Values are opaque bytes and no method reads the
    // header, so it is removed before fastify sees it; every body is then read as raw bytes.
    delete request.raw.headers['content-type'];
    done();
  };
  // The key is parsed once, before the body is read: a request without a valid key is answered here, so no
  // handler ever runs without one.
  const parseKey: onRequestHookHandler = (request, reply, done) => {
    const result = parseSessionKey(request.url, config.base_uri, config.max_key_bytes);
    if (!result.ok) return void sendProblem(reply, result.problem, decodedPath(request.url), result.detail);
    request.sessionKey = result.key;
    done();
  };
  /** A problem about the request's key, its `instance` the decoded path. */
  const answer = (reply: FastifyReply, problem: ProblemName, key: string, detail?: string) =>
    sendProblem(reply, problem, `${config.base_uri}${key}`, detail);
  // A write needs a non-empty body and a usable Cache-Control; the TTL it gets is read once, here.
  const checkWrite: preHandlerHookHandler = (request, reply, done) => {
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) return void answer(reply, 'bad_request', request.sessionKey);
    const requested = requestedTtl(request.headers['cache-control']);
    if (!requested.ok) return void answer(reply, 'bad_request', request.sessionKey, requested.detail);
    request.ttlSeconds = effectiveTtl(config, requested.seconds);
    done();
  };
  // A touch takes no body and needs Cache-Control: max-age=N.
  const checkTouch: preHandlerHookHandler = (request, reply, done) => {
    if (Buffer.isBuffer(request.body) && request.body.length > 0) {
      return void answer(reply, 'bad_request', request.sessionKey, 'PATCH takes no body: only Cache-Control: max-age=N');
    }
    const requested = requestedTtl(request.headers['cache-control']);
    if (!requested.ok) return void answer(reply, 'bad_request', request.sessionKey, requested.detail);
    if (requested.seconds === undefined) {
      return void answer(reply, 'bad_request', request.sessionKey, 'Cache-Control: max-age=N is required');
    }
    request.ttlSeconds = effectiveTtl(config, requested.seconds);
    done();
  };
  const keyed: RouteShorthandOptions = { onRequest: [ignoreContentType, parseKey], onResponse };
  const written: RouteShorthandOptions = { ...keyed, preHandler: checkWrite };
  const touched: RouteShorthandOptions = { ...keyed, preHandler: checkTouch };

  app.get<OperationRoute<'getSession'>>(url, keyed, async function getSession(request, reply) {
    const key = request.sessionKey;
    const stored = await storage.get(key);
    if (stored === undefined) return answer(reply, 'not_found', key);
    return reply
      .headers({ 'content-type': mediaTypes.sessionValue, etag: etagOf(stored) })
      .code(200)
      .send(stored.value);
  });

  /**
   * The value `If-Match` accepts, read now; undefined when there is none. The write that follows is
   * conditional on exactly this value, so a change in between makes it fail rather than slip through.
   */
  async function matchedValue(key: string, ifMatch: string): Promise<Buffer | undefined> {
    const current = await storage.get(key);
    return current !== undefined && ifMatchAccepts(ifMatch, current) ? current.value : undefined;
  }

  app.post<OperationRoute<'setSession'>>(url, written, async function setSession(request, reply) {
    const { sessionKey: key, ttlSeconds: ttl } = request;
    const value = request.body as Buffer;
    const ifMatch = request.headers['if-match'];
    if (ifMatch === undefined) {
      await storage.set(key, value, ttl);
      return reply.code(201).send();
    }
    const expected = await matchedValue(key, ifMatch);
    if (expected === undefined || !(await storage.compareAndSet(key, expected, value, ttl))) {
      return answer(reply, 'precondition_failed', key);
    }
    return reply.code(201).send();
  });

  app.put<OperationRoute<'createSession'>>(url, written, async function createSession(request, reply) {
    const { sessionKey: key, ttlSeconds: ttl } = request;
    if (!(await storage.add(key, request.body as Buffer, ttl))) return answer(reply, 'conflict', key);
    return reply.code(201).send();
  });

  app.patch<OperationRoute<'touchSession'>>(url, touched, async function touchSession(request, reply) {
    const { sessionKey: key, ttlSeconds: ttl } = request;
    if (!(await storage.touch(key, ttl))) return answer(reply, 'not_found', key);
    return reply.code(204).send();
  });

  app.delete<OperationRoute<'deleteSession'>>(url, keyed, async function deleteSession(request, reply) {
    const key = request.sessionKey;
    const ifMatch = request.headers['if-match'];
    if (ifMatch === undefined) {
      await storage.delete(key);
      return reply.code(204).send();
    }
    const expected = await matchedValue(key, ifMatch);
    if (expected === undefined || !(await storage.compareAndDelete(key, expected))) {
      return answer(reply, 'precondition_failed', key);
    }
    return reply.code(204).send();
  });

  const otherMethods = app.supportedMethods.filter((method) => !(sessionMethods as readonly string[]).includes(method));
  app.route({
    method: otherMethods,
    url,
    onRequest: ignoreContentType,
    onResponse,
    handler: async function methodNotAllowed(request, reply) {
      return sendProblem(reply, 'method_not_allowed', decodedPath(request.url));
    },
  });
}
