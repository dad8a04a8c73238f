import {
  errorCodes,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type onRequestHookHandler,
  type onResponseHookHandler,
  type preHandlerHookHandler,
  type RouteShorthandOptions,
} from 'fastify';
import type { NamespaceConfig } from '../config/namespaces.js';
import { headerNames, mediaTypes, pathHeaders, sessionMethods, sessionPathTemplate } from '../generated/contract.js';
import type { operations } from '../generated/openapi.js';
import { decodedPath } from '../http/paths.js';
import { type ProblemName, sendProblem } from '../http/problems.js';
import type { CounterChild, HistogramChild } from '../metrics/labelled-metrics.js';
import type { Metrics } from '../metrics/metrics.js';
import { digestOf, type Storage, StorageError, type StoredValue } from '../storage/storage.js';
import { effectiveTtl, etagOf, failedPrecondition, type Preconditions, requestedTtl } from './conditions.js';
import { parseSessionKey } from './session-key.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session key of a request on the session route, parsed once by its onRequest hook. */
    sessionKey: string;
    /** The TTL a write or touch gets, read once from its Cache-Control by its preHandler hook. */
    ttlSeconds: number;
  }
  interface FastifyContextConfig {
    /** The namespace whose session route this is (hooks read it as `request.routeOptions.config.namespace`). */
    namespace?: string;
  }
}

/** Fastify's route typing for an operation of the OpenAPI document: only its declared statuses compile. */
interface OperationRoute<Op extends keyof operations> {
  Reply: { [Status in keyof operations[Op]['responses']]: unknown };
}

interface SessionRouteDependencies {
  /** Every namespace, each with its (instrumented) store. */
  readonly namespaces: readonly { readonly namespace: NamespaceConfig; readonly storage: Storage }[];
  readonly metrics: Metrics;
}

/** The preconditions of a request on the session route (see failedPrecondition for those it ignores). */
function preconditionsOf(request: FastifyRequest): Preconditions {
  return { ifMatch: request.headers['if-match'], ifNoneMatch: request.headers['if-none-match'] };
}

function hasPreconditions(request: FastifyRequest): boolean {
  return request.headers['if-match'] !== undefined || request.headers['if-none-match'] !== undefined;
}

const routeHeaders = pathHeaders[sessionPathTemplate];

/** A write with preconditions gives up (503) when the value changes under it this many times in a row. */
const conditionalWriteAttempts = 5;

/** The header that tells a reader the seconds a value has left. */
const ttlHeader = headerNames.KaskTTL;

/**
 * The whole seconds until `expiresAt` (ms since the epoch), rounded up: at least 1, since the value was live
 * when read.
 */
function secondsLeft(expiresAt: number): number {
  return Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000));
}

/** POST and DELETE succeed whatever the current value: only their preconditions can refuse them. */
const noRefusal = () => undefined;

/** The session route of every namespace, each over its own store. */
export function registerSessionRoutes(app: FastifyInstance, { namespaces, metrics }: SessionRouteDependencies): void {
  app.decorateRequest('sessionKey', '');
  app.decorateRequest('ttlSeconds', 0);
  for (const { namespace, storage } of namespaces) registerNamespaceRoutes(app, namespace, storage, metrics);
}

/**
 * One namespace's session route `{base_uri}{key}`: Kask's getSession, setSession and deleteSession, our
 * headSession, createSession (PUT) and touchSession (PATCH), each also conditional (If-Match, If-None-Match),
 * and 405 for every other method; its key and value limits and TTLs are the namespace's.
 */
function registerNamespaceRoutes(app: FastifyInstance, config: NamespaceConfig, storage: Storage, metrics: Metrics): void {
  const url = `${config.base_uri}*`;
  const routeConfig = { namespace: config.name };
  // A child is found by serializing its labels: each (code, method)'s children are looked up once.
  const requestMetrics = new Map<string, { count: CounterChild; duration: HistogramChild }>();
  const requestMetricsOf = (statusCode: number, method: string) => {
    const id = `${statusCode} ${method}`;
    let children = requestMetrics.get(id);
    if (children === undefined) {
      const labels = { namespace: config.name, code: String(statusCode), method };
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
  // Every answer of the route carries them (Cache-Control: no-store: session values are credentials, and no cache
  // in between may keep them); problems carry the catalogue's.
  const setRouteHeaders: onRequestHookHandler = (_request, reply, done) => {
    reply.headers(routeHeaders);
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
  // fastify reads no body on GET, so it would never find one too large there: a body declared over the limit
  // is refused unread on every method alike, as fastify refuses it on the others and as the early answer to
  // `Expect: 100-continue` does.
  const refuseDeclaredOversize: onRequestHookHandler = (request, _reply, done) => {
    if (Number(request.headers['content-length']) > config.max_value_bytes)
      return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    done();
  };
  /** The 201 of a write of `value`, with the ETag a GET of it gives: a client can release its lock without a GET. */
  const created = (reply: FastifyReply, value: Buffer) =>
    reply
      .header('etag', etagOf({ digest: digestOf(value) }))
      .code(201)
      .send();
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
  const keyed: RouteShorthandOptions = {
    config: routeConfig,
    bodyLimit: config.max_value_bytes,
    onRequest: [setRouteHeaders, ignoreContentType, parseKey, refuseDeclaredOversize],
    onResponse,
  };
  const written: RouteShorthandOptions = { ...keyed, preHandler: checkWrite };
  const touched: RouteShorthandOptions = { ...keyed, preHandler: checkTouch };

  // HEAD answers as GET, with the same headers (Content-Length too) and no content: Node sends no body to HEAD.
  app.route<OperationRoute<'getSession' | 'headSession'>>({
    ...keyed,
    method: ['GET', 'HEAD'],
    url,
    handler: async function getSession(request, reply) {
      const key = request.sessionKey;
      const stored = await storage.get(key);
      if (stored === undefined) return answer(reply, 'not_found', key);
      const failed = failedPrecondition(preconditionsOf(request), stored);
      if (failed === 'if-match') return answer(reply, 'precondition_failed', key);
      if (stored.expiresAt !== undefined) reply.header(ttlHeader, secondsLeft(stored.expiresAt));
      const etag = etagOf(stored);
      // RFC 9110 section 13.1.2: a GET whose If-None-Match names the value answers 304, with its ETag.
      if (failed === 'if-none-match') return reply.header('etag', etag).code(304).send();
      return reply.headers({ 'content-type': mediaTypes.sessionValue, etag }).code(200).send(stored.value);
    },
  });

  /**
   * Runs a write that carries preconditions (RFC 9110 section 13.2): reads the current value; answers the
   * method's own failure for it (`refusal`: it comes before the preconditions, section 13.2.1), or 412 when a
   * precondition is false; otherwise runs `write`, which is conditional on the value read, so that a change in
   * between makes the whole evaluation run again on the new value rather than slip through.
   */
  async function writeIfPreconditionsHold(
    request: FastifyRequest,
    refusal: (current: StoredValue | undefined) => ProblemName | undefined,
    write: (current: StoredValue | undefined) => Promise<boolean>,
  ): Promise<ProblemName | undefined> {
    const preconditions = preconditionsOf(request);
    for (let attempt = 0; attempt < conditionalWriteAttempts; attempt++) {
      const current = await storage.get(request.sessionKey);
      const problem =
        refusal(current) ?? (failedPrecondition(preconditions, current) === undefined ? undefined : 'precondition_failed');
      if (problem !== undefined) return problem;
      if (await write(current)) return undefined;
    }
    throw new StorageError('unavailable', `conditional write: the value kept changing for ${conditionalWriteAttempts} attempts`);
  }

  app.post<OperationRoute<'setSession'>>(url, written, async function setSession(request, reply) {
    const { sessionKey: key, ttlSeconds: ttl } = request;
    const value = request.body as Buffer;
    if (!hasPreconditions(request)) {
      await storage.set(key, value, ttl);
      return created(reply, value);
    }
    const problem = await writeIfPreconditionsHold(request, noRefusal, (current) =>
      current === undefined ? storage.add(key, value, ttl) : storage.compareAndSet(key, current.value, value, ttl),
    );
    if (problem !== undefined) return answer(reply, problem, key);
    return created(reply, value);
  });

  app.put<OperationRoute<'createSession'>>(url, written, async function createSession(request, reply) {
    const { sessionKey: key, ttlSeconds: ttl } = request;
    const value = request.body as Buffer;
    if (!hasPreconditions(request)) {
      if (!(await storage.add(key, value, ttl))) return answer(reply, 'conflict', key);
      return created(reply, value);
    }
    // PUT creates only: with a value present it answers 409 whatever the preconditions say (13.2.1), so
    // If-Match, which needs a value, can only fail (412), and If-None-Match can only hold.
    const problem = await writeIfPreconditionsHold(
      request,
      (current) => (current === undefined ? undefined : 'conflict'),
      () => storage.add(key, value, ttl),
    );
    if (problem !== undefined) return answer(reply, problem, key);
    return created(reply, value);
  });

  app.patch<OperationRoute<'touchSession'>>(url, touched, async function touchSession(request, reply) {
    const { sessionKey: key, ttlSeconds: ttl } = request;
    if (!hasPreconditions(request)) {
      if (!(await storage.touch(key, ttl))) return answer(reply, 'not_found', key);
      return reply.code(204).send();
    }
    // Rewriting the value read with the new TTL, conditional on it, is a touch conditional on that value.
    const problem = await writeIfPreconditionsHold(
      request,
      (current) => (current === undefined ? 'not_found' : undefined),
      async (current) => current !== undefined && (await storage.compareAndSet(key, current.value, current.value, ttl)),
    );
    if (problem !== undefined) return answer(reply, problem, key);
    return reply.code(204).send();
  });

  app.delete<OperationRoute<'deleteSession'>>(url, keyed, async function deleteSession(request, reply) {
    const key = request.sessionKey;
    if (!hasPreconditions(request)) {
      await storage.delete(key);
      return reply.code(204).send();
    }
    // No value to delete: the request is done as it is read.
    const problem = await writeIfPreconditionsHold(request, noRefusal, async (current) =>
      current === undefined ? true : storage.compareAndDelete(key, current.value),
    );
    if (problem !== undefined) return answer(reply, problem, key);
    return reply.code(204).send();
  });

  const otherMethods = app.supportedMethods.filter((method) => !(sessionMethods as readonly string[]).includes(method));
  app.route({
    method: otherMethods,
    url,
    config: routeConfig,
    bodyLimit: config.max_value_bytes,
    onRequest: ignoreContentType,
    onResponse,
    handler: async function methodNotAllowed(request, reply) {
      return sendProblem(reply, 'method_not_allowed', decodedPath(request.url));
    },
  });
}
