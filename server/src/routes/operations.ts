import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { BuildInfo } from '../build-info.js';
import type { Availability, ServiceView, StorageState } from '../cluster/service-view.js';
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
    const state = await service.storageAvailability();
    const namespaces = answering(state.available);
    const available = Object.values(namespaces).every(Boolean);
    return reply
      .code(200)
      .headers(pathHeaders['/healthz'])
      .send({ ...build, storage: { backend, available, namespaces, ...fullOf(state), ...alarmsOf(state) } });
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
    const state = await service.storageAvailability();
    const detail = notReadyDetail(state);
    if (detail !== undefined) return sendProblem(reply, 'service_unavailable', request.url, detail);
    // A full storage still serves reads: ready, and saying so.
    return reply.code(200).send({ status: 'ready', namespaces: answering(state.available), ...fullOf(state) });
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

/** `full`, naming the namespaces whose writes are refused for want of space, when there are any. */
function fullOf(state: StorageState): { full?: Readonly<Record<string, string>> } {
  return Object.keys(state.full).length === 0 ? {} : { full: state.full };
}

/** `alarms`, naming the namespaces above readyz_max_used_share, when there are any. */
function alarmsOf(state: StorageState): { alarms?: Readonly<Record<string, string>> } {
  return Object.keys(state.alarms).length === 0 ? {} : { alarms: state.alarms };
}

/** Whether each namespace's storage answers, by namespace name. */
function answering(availability: Availability): Record<string, boolean> {
  return Object.fromEntries(Object.entries(availability).map(([name, state]) => [name, state === true]));
}

/**
 * /readyz's 503 detail: the namespaces whose storage does not answer, grouped by why, then those above
 * readyz_max_used_share, which answer; undefined when every one answers within its limit.
 */
function notReadyDetail({ available, alarms }: StorageState): string | undefined {
  const namesByReason = new Map<string, string[]>();
  for (const [name, state] of Object.entries(available)) {
    if (state !== true) namesByReason.set(state, [...(namesByReason.get(state) ?? []), name]);
  }
  const unavailable = [...namesByReason].map(
    ([reason, names]) =>
      `the storage of ${names.length === 1 ? 'namespace' : 'namespaces'} ${names.join(', ')} is unavailable: ${reason}`,
  );
  const alarmed = Object.entries(alarms)
    .filter(([name]) => available[name] === true)
    .map(([name, reason]) => `namespace ${name} is not ready for what it holds (its storage answers): ${reason}`);
  if (unavailable.length === 0 && alarmed.length === 0) return undefined;
  const text = [...unavailable, ...(unavailable.length === 0 ? [] : ['retry later']), ...alarmed].join('; ');
  return `${text[0]?.toUpperCase()}${text.slice(1)}`;
}
