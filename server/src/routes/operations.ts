import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { BuildInfo } from '../build-info.js';
import type { ServiceView } from '../cluster/service-view.js';
import { mediaTypes, pathHeaders, pathMethods, type sessionPathTemplate } from '../generated/contract.js';
import { decodedPath } from '../http/paths.js';
import { sendProblem } from '../http/problems.js';
import { type InsightSettings, insightAnswer } from '../insight/answer.js';

interface OperationRouteDependencies {
  /** The document served at /openapi. */
  readonly document: string;
  readonly backend: string;
  readonly build: BuildInfo;
  readonly service: ServiceView;
  readonly metricsContentType: string;
  /** What /insight reports with; undefined without insight's secret, when it answers 404. */
  readonly insight: InsightSettings | undefined;
}

type OperationPath = Exclude<keyof typeof pathMethods, typeof sessionPathTemplate | '/healthz'>;

/** /healthz, /readyz, /metrics, /insight and /openapi. */
export function registerOperationRoutes(
  app: FastifyInstance,
  { document, backend, build, service, metricsContentType, insight }: OperationRouteDependencies,
): void {
  // Kask answers /healthz whatever the method; monitoring may rely on it.
  app.all('/healthz', async function getHealth(_request, reply) {
    const namespaces = await service.storageAvailability();
    const available = Object.values(namespaces).every(Boolean);
    return reply
      .code(200)
      .headers(pathHeaders['/healthz'])
      .send({ ...build, storage: { backend, available, namespaces } });
  });

  /**
   * `url` answers the methods the document declares on it (GET, and HEAD as GET without the content: RFC 9110
   * section 9.3.2; Node drops a HEAD response's body) and every other method 405 with their Allow.
   */
  function operation(url: OperationPath, handler: RouteHandlerMethod): void {
    const declared: readonly string[] = pathMethods[url];
    // Set first: a problem the handler answers replaces them with its own.
    const headers = pathHeaders[url];
    app.route({
      method: [...declared],
      url,
      onRequest: async (_request, reply) => void reply.headers(headers),
      handler,
    });
    const methodNotAllowed = async (request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(reply, 'method_not_allowed', decodedPath(request.url), undefined, { allow: declared.join(', ') });
    // Answered at onRequest: fastify refuses a QUERY without Content-Type (400) before any handler runs.
    app.route({
      method: app.supportedMethods.filter((method) => !declared.includes(method)),
      url,
      onRequest: methodNotAllowed,
      handler: methodNotAllowed,
    });
  }

  operation('/readyz', async function getReadiness(request, reply) {
    const namespaces = await service.storageAvailability();
    const unavailable = Object.keys(namespaces).filter((name) => !namespaces[name]);
    if (unavailable.length > 0) {
      const detail = `The storage of ${unavailable.length === 1 ? 'namespace' : 'namespaces'} ${unavailable.join(', ')} is unavailable; retry later`;
      return sendProblem(reply, 'service_unavailable', request.url, detail);
    }
    return reply.code(200).send({ status: 'ready', namespaces });
  });

  operation('/metrics', async function getMetrics(_request, reply) {
    return reply
      .code(200)
      .type(metricsContentType)
      .send(await service.metricsText());
  });

  // Without the secret /insight is there, but has nothing to show: 404, and 405 to other methods as ever.
  operation('/insight', async function getInsight(request, reply) {
    if (insight === undefined) return sendProblem(reply, 'not_found', request.url, 'No insight: insight.secret_file is not set');
    return reply.code(200).send(insightAnswer(await service.keyWrites(), insight));
  });

  operation('/openapi', async function getOpenApi(_request, reply) {
    return reply.code(200).type(mediaTypes.openapi).send(document);
  });
}
