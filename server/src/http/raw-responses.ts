import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { problems } from '../generated/contract.js';
import { afterRequestsInFlight } from './one-request-at-a-time.js';
import { type ProblemName, problemBody, problemHeaders } from './problems.js';

// Answers written by Node's server before fastify sees a request: to bytes that are not HTTP.

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
