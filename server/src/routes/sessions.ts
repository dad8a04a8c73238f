import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Config } from '../config.js';
import { sendProblem } from '../errors.js';
import { sessionMethods } from '../generated/contract.js';
import type { operations } from '../generated/openapi.js';
import type { Metrics } from '../metrics.js';
import { parseSessionKey } from '../session-key.js';
import type { Storage } from '../storage/storage.js';
import { decodedPath } from './paths.js';

/** Fastify's route typing for an operation of the OpenAPI document: only its declared statuses compile. */
interface OperationRoute<Op extends keyof operations> {
  Reply: { [Status in keyof operations[Op]['responses']]: unknown };
}

interface SessionRouteDependencies {
  readonly config: Config;
  readonly storage: Storage;
  readonly metrics: Metrics;
}

const allow = sessionMethods.join(', ');

/** The session route `{base_uri}{key}`: getSession, setSession, deleteSession, and 405 for every other method. */
export function registerSessionRoutes(app: FastifyInstance, { config, storage, metrics }: SessionRouteDependencies): void {
  const url = `${config.base_uri}*`;
  const options: RouteShorthandOptions = {
    onResponse(request, reply, done) {
      const labels = { code: String(reply.statusCode), method: request.method };
      metrics.requests.inc(labels);
      metrics.requestDuration.observe(labels, reply.elapsedTime / 1000);
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

  app.get<OperationRoute<'getSession'>>(url, options, async function getSession(request, reply) {
    const key = keyOf(request, reply);
    if (key === undefined) return reply;
    const value = await storage.get(key);
    if (value === undefined) return sendProblem(reply, 'not_found', `${config.base_uri}${key}`);
    return reply.header('content-type', 'application/octet-stream').code(200).send(value);
  });

  app.post<OperationRoute<'setSession'>>(url, options, async function setSession(request, reply) {
    const key = keyOf(request, reply);
    if (key === undefined) return reply;
    const value = request.body;
    if (!Buffer.isBuffer(value) || value.length === 0) return sendProblem(reply, 'bad_request', `${config.base_uri}${key}`);
    await storage.set(key, value, config.default_ttl);
    return reply.code(201).send();
  });

  app.delete<OperationRoute<'deleteSession'>>(url, options, async function deleteSession(request, reply) {
    const key = keyOf(request, reply);
    if (key === undefined) return reply;
    await storage.delete(key);
    return reply.code(204).send();
  });

  const otherMethods = app.supportedMethods.filter((method) => !(sessionMethods as readonly string[]).includes(method));
  app.route({
    method: otherMethods,
    url,
    ...options,
    handler: async function methodNotAllowed(request, reply) {
      reply.header('allow', allow);
      return sendProblem(reply, 'method_not_allowed', decodedPath(request.url));
    },
  });
}
