import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { problems } from '../generated/contract.js';
import type { NamespaceMetrics } from '../metrics/namespace-metrics.js';
import { payloadTooLargeDetail } from './error-handler.js';
import { lingerAfterResponse } from './lingering-close.js';
import { afterRequestsInFlight, refuseLaterRequests } from './one-request-at-a-time.js';
import { decodedPath, originForm } from './paths.js';
import { type ProblemName, problemBody, problemHeaders } from './problems.js';

// Answers written by Node's server before fastify sees a request: to bytes that are not HTTP, and to a body
// declared too large before the client sends it.

/** A problem as raw bytes, closing the connection; its `instance` is empty, as the request's URL was never read. */
function rawProblem(name: ProblemName, detail?: string): string {
  const body = problemBody(name, '', detail);
  const head = Object.entries({
    ...problemHeaders(name),
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  })
    .map(([field, value]) => `${field}: ${value}\r\n`)
    .join('');
  const status = problems[name].status;
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`;
}

/** The raw response to a request Node could not parse: a problem, or Node's own answer to a timeout. */
function clientErrorResponse(code: string | undefined): string {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';
  // Too many header fields (Node 24 counts them) or too many bytes of them.
  if (code === 'HPE_HEADER_OVERFLOW') return rawProblem('request_header_fields_too_large');
  return rawProblem('bad_request', 'The request is not valid HTTP/1.1');
}

/**
 * fastify's clientErrorHandler: requests Node cannot parse never reach a route; they still get a problem, not
 * fastify's JSON. The answer follows the responses to the requests before the bad bytes, never replaces them.
 */
export function answerClientError(error: Error, socket: Socket): void {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNRESET' || socket.destroyed) return;
  afterRequestsInFlight(socket, () => {
    // A response before this one may have closed the connection (Connection: close): nothing more is sent.
    if (socket.writable) socket.write(clientErrorResponse(code));
    socket.destroy();
  });
}

/** A namespace's session route, its value limit and its metrics. */
interface LimitedRoute {
  readonly namespace: { readonly base_uri: string; readonly max_value_bytes: number };
  readonly metrics: NamespaceMetrics;
}

/**
 * Answers `Expect: 100-continue` requests whose declared body is over the limit with 413 before the
 * client sends it (MediaWiki's client sends Expect for bodies over 1 MiB); every other one continues.
 */
export function rejectOversizedBeforeContinue(server: Server, routes: readonly LimitedRoute[]): void {
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    const declared = Number(request.headers['content-length']);
    const url = originForm(request.url ?? '/');
    const route = routes.find((candidate) => url.startsWith(candidate.namespace.base_uri));
    if (route !== undefined && declared > route.namespace.max_value_bytes) {
      const started = performance.now();
      const body = problemBody('payload_too_large', decodedPath(url), payloadTooLargeDetail(route.namespace.max_value_bytes));
      response.writeHead(413, {
        ...problemHeaders('payload_too_large'),
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      });
      // A client may send the body without waiting for 100 Continue, and requests after it, which Node still
      // parses: none of them runs.
      lingerAfterResponse(request.socket);
      refuseLaterRequests(request.socket);
      response.end(body);
      // Counted and timed as the session route counts and times its own answers.
      route.metrics.observeRequest(413, request.method ?? '', (performance.now() - started) / 1000);
      return;
    }
    response.writeContinue();
    server.emit('request', request, response);
  });
}
