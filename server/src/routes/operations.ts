import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BuildInfo } from '../build-info.js';
import type { ServiceView } from '../cluster/service-view.js';
import type { Config } from '../config.js';
import { sendProblem } from '../errors.js';
import { mediaTypes } from '../generated/contract.js';
import { decodedPath } from './paths.js';

interface OperationRouteDependencies {
  readonly config: Config;
  readonly backend: string;
  readonly build: BuildInfo;
  readonly service: ServiceView;
  readonly metricsContentType: string;
}

// RFC 9110 section 9.3.2: HEAD answers as GET would, without the content; load balancers probe with HEAD.
// Node's HTTP server sends the headers of a HEAD response and drops its body.
const getAndHead = ['GET', 'HEAD'];

/** /healthz, /readyz, /metrics and /openapi. */
export function registerOperationRoutes(
  app: FastifyInstance,
  { config, backend, build, service, metricsContentType }: OperationRouteDependencies,
): void {
  // Kask answers /healthz whatever the method; monitoring may rely on it.
  app.all('/healthz', async function getHealth(_request, reply) {
    const available = await service.storageAvailable();
    return reply.code(200).send({ ...build, storage: { backend, available } });
  });

  app.route({
    method: getAndHead,
    url: '/readyz',
    handler: async function getReadiness(request, reply) {
      if (!(await service.storageAvailable())) return sendProblem(reply, 'service_unavailable', request.url);
      return reply.code(200).send({ status: 'ready' });
    },
  });

  app.route({
    method: getAndHead,
    url: '/metrics',
    handler: async function getMetrics(_request, reply) {
      return reply
        .code(200)
        .type(metricsContentType)
        .send(await service.metricsText());
    },
  });

  app.route({
    method: getAndHead,
    url: '/openapi',
    handler: async function getOpenApi(_request, reply) {
      return reply.code(200).type(mediaTypes.openapi).send(config.openapi_document);
    },
  });

  // The document declares GET and HEAD only on these: any other method answers 405, as on the session route.
  const methodNotAllowed = async (request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(reply, 'method_not_allowed', decodedPath(request.url), undefined, { allow: getAndHead.join(', ') });
  for (const url of ['/readyz', '/metrics', '/openapi']) {
    // Answered at onRequest: fastify refuses a QUERY without Content-Type (400) before any handler runs.
    app.route({
      method: app.supportedMethods.filter((method) => !getAndHead.includes(method)),
      url,
      onRequest: methodNotAllowed,
      handler: methodNotAllowed,
    });
  }
}
