import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Config } from '../config.js';
import { sendProblem } from '../errors.js';
import { mediaTypes, sessionMethods } from '../generated/contract.js';
import type { operations } from '../generated/openapi.js';
import type { Metrics } from '../metrics.js';
import type { Storage } from '../storage/storage.js';
import { effectiveTtl, etagOf, ifMatchAccepts, requestedTtl } from './conditions.js';
import { decodedPath } from './paths.js';
import { parseSessionKey } from './session-key.js';

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
  const options: RouteShorthandOptions = {
    onRequest(request, _reply, done) {
      // NOTE: fastify parses Content-Type before any body parser runs, and answers 415 (a 400 here) to a value
      // it cannot parse, such as `application/octet-stream, application/octet-stream` from a client that
      // merged two headers: a logout with one would fail. Values are opaque bytes and no method reads the
      // header, so it is removed before fastify sees it; every body is then read as raw bytes.
      delete request.raw.headers['content-type'];
      done();
    },
    onResponse(request, reply, done) {
      const observed = requestMetricsOf(reply.statusCode, request.method);
      observed.count.inc();
      observed.duration.observe(reply.elapsedTime / 1000);
      done();
    },
  };

  /** The key of the request, or undefined once a problem has been answered. */
  function keyOf(request: FastifyRequest, reply: FastifyReply): string | undefined {
    const result = parseSessionKey(request.url, config.base_uri, config.max_key_bytes);
    if (result.ok) return result.key;
    sendProblem(reply, result.problem, decodedPath(request.url), result.detail);
    return undefined;
  }

  /** The TTL the request's Cache-Control asks for (or default_ttl), or undefined once a problem has been answered. */
  function ttlOf(request: FastifyRequest, reply: FastifyReply, key: string, required: boolean): number | undefined {
    const requested = requestedTtl(request.headers['cache-control']);
    if (!requested.ok) return void sendProblem(reply, 'bad_request', `${config.base_uri}${key}`, requested.detail);
    if (required && requested.seconds === undefined) {
      return void sendProblem(reply, 'bad_request', `${config.base_uri}${key}`, 'Cache-Control: max-age=N is required');
    }
    return effectiveTtl(config, requested.seconds);
  }

  /** A write's key, non-empty body and TTL, or undefined once a problem has been answered. */
  function writeOf(request: FastifyRequest, reply: FastifyReply): { key: string; value: Buffer; ttl: number } | undefined {
    const key = keyOf(request, reply);
    if (key === undefined) return undefined;
    const value = request.body;
    if (!Buffer.isBuffer(value) || value.length === 0) return void sendProblem(reply, 'bad_request', `${config.base_uri}${key}`);
    const ttl = ttlOf(request, reply, key, false);
    return ttl === undefined ? undefined : { key, value, ttl };
  }

  app.get<OperationRoute<'getSession'>>(url, options, async function getSession(request, reply) {
    const key = keyOf(request, reply);
    if (key === undefined) return reply;
    const stored = await storage.get(key);
    if (stored === undefined) return sendProblem(reply, 'not_found', `${config.base_uri}${key}`);
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

  app.post<OperationRoute<'setSession'>>(url, options, async function setSession(request, reply) {
    const write = writeOf(request, reply);
    if (write === undefined) return reply;
    const { key, value, ttl } = write;
    const ifMatch = request.headers['if-match'];
    if (ifMatch === undefined) {
      await storage.set(key, value, ttl);
      return reply.code(201).send();
    }
    const expected = await matchedValue(key, ifMatch);
    if (expected === undefined || !(await storage.compareAndSet(key, expected, value, ttl))) {
      return sendProblem(reply, 'precondition_failed', `${config.base_uri}${key}`);
    }
    return reply.code(201).send();
  });

  app.put<OperationRoute<'createSession'>>(url, options, async function createSession(request, reply) {
    const write = writeOf(request, reply);
    if (write === undefined) return reply;
    const { key, value, ttl } = write;
    if (!(await storage.add(key, value, ttl))) return sendProblem(reply, 'conflict', `${config.base_uri}${key}`);
    return reply.code(201).send();
  });

  app.patch<OperationRoute<'touchSession'>>(url, options, async function touchSession(request, reply) {
    const key = keyOf(request, reply);
    if (key === undefined) return reply;
    if (Buffer.isBuffer(request.body) && request.body.length > 0) {
      return sendProblem(reply, 'bad_request', `${config.base_uri}${key}`, 'PATCH takes no body: only Cache-Control: max-age=N');
    }
    const ttl = ttlOf(request, reply, key, true);
    if (ttl === undefined) return reply;
    if (!(await storage.touch(key, ttl))) return sendProblem(reply, 'not_found', `${config.base_uri}${key}`);
    return reply.code(204).send();
  });

  app.delete<OperationRoute<'deleteSession'>>(url, options, async function deleteSession(request, reply) {
    const key = keyOf(request, reply);
    if (key === undefined) return reply;
    const ifMatch = request.headers['if-match'];
    if (ifMatch === undefined) {
      await storage.delete(key);
      return reply.code(204).send();
    }
    const expected = await matchedValue(key, ifMatch);
    if (expected === undefined || !(await storage.compareAndDelete(key, expected))) {
      return sendProblem(reply, 'precondition_failed', `${config.base_uri}${key}`);
    }
    return reply.code(204).send();
  });

  const otherMethods = app.supportedMethods.filter((method) => !(sessionMethods as readonly string[]).includes(method));
  app.route({
    method: otherMethods,
    url,
    ...options,
    handler: async function methodNotAllowed(request, reply) {
      return sendProblem(reply, 'method_not_allowed', decodedPath(request.url));
    },
  });
}
