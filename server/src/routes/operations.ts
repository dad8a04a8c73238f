import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BuildInfo } from '../build-info.js';
import type { ServiceView } from '../cluster/service-view.js';
import type { Config } from '../config.js';
import { sendProblem } from '../errors.js';
import { mediaTypes, sessionPathTemplate } from '../generated/contract.js';
import { decodedPath } from './paths.js';

interface OperationRouteDependencies {
  readonly config: Config;
  readonly backend: string;
  readonly build: BuildInfo;
  readonly service: ServiceView;
  readonly metricsContentType: string;
}

const builtInSpec = new URL('../../../openapi/openapi.yaml', import.meta.url);

/** The OpenAPI document served at /openapi: the configured file or ours, with the session route under base_uri. */
function servedSpec(config: Config): string {
  const text = readFileSync(config.openapi_spec ?? builtInSpec, 'utf8');
  return text.replace(`\n  ${sessionPathTemplate}:`, `\n  ${config.base_uri}{key}:`);
}

/** /healthz, /readyz, /metrics and /openapi. */
export function registerOperationRoutes(
  app: FastifyInstance,
  { config, backend, build, service, metricsContentType }: OperationRouteDependencies,
): void {
  const spec = servedSpec(config);

  // Kask answers /healthz whatever the method; monitoring may rely on it.
  app.all('/healthz', async function getHealth(_request, reply) {
    const available = await service.storageAvailable();
    return reply.code(200).send({ ...build, storage: { backend, available } });
  });

  app.get('/readyz', async function getReadiness(request, reply) {
    if (!(await service.storageAvailable())) return sendProblem(reply, 'service_unavailable', request.url);
    return reply.code(200).send({ status: 'ready' });
  });

  app.get('/metrics', async function getMetrics(_request, reply) {
    return reply
      .code(200)
      .type(metricsContentType)
      .send(await service.metricsText());
  });

  app.get('/openapi', async function getOpenApi(_request, reply) {
    return reply.code(200).type(mediaTypes.openapi).send(spec);
  });

  // The document declares GET only on these: any other method answers 405, as on the session route.
  const methodNotAllowed = async (request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(reply, 'method_not_allowed', decodedPath(request.url), undefined, { allow: 'GET' });
  for (const url of ['/readyz', '/metrics', '/openapi']) {
    // Answered at onRequest: fastify refuses a QUERY without Content-Type (400) before any handler runs.
    app.route({
      method: app.supportedMethods.filter((method) => method !== 'GET'),
      url,
      onRequest: methodNotAllowed,
      handler: methodNotAllowed,
    });
  }
}
