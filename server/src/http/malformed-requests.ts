import type { onRequestHookHandler } from 'fastify';
import { maxHeaderFields } from '../generated/contract.js';
import { decodedPath } from './paths.js';
import { sendProblem } from './problems.js';

// Requests Node's parser accepts that HTTP/1.1 (RFC 9112) still refuses, answered before any route or access
// check sees them and whatever Node's own defaults are; each closes its connection, since what follows it on the
// connection cannot be trusted to be framed as the client meant.

// NOTE: the header field limit is the document's (x-kask-limits), checked here whatever Node's own is: Node 20 kept
// the first 1000 fields of a request and served it without the rest (an If-Match among them: a compare-and-set
// became a blind write); Node 24 refuses past its own count.

// RFC 3986 section 3.2.2 host and section 3.2.3 port: an IP literal in brackets, or a registered name or IPv4
// address of unreserved characters, sub-delims and percent-escapes (empty is allowed: RFC 9110 section 7.2).
const validHost =
  /^(?:\[(?:[0-9A-Fa-f:.]+|[vV][0-9A-Fa-f]+\.[A-Za-z0-9._~!$&'()*+,;=:-]+)\]|(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)(?::[0-9]*)?$/;

/** Why a request's Host is refused (RFC 9112 section 3.2), or undefined when it is acceptable. */
function hostFault(rawHeaders: readonly string[], httpVersion: string): string | undefined {
  let host: string | undefined;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] ?? '';
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (host !== undefined) return 'A request must have one Host header, not several';
    host = rawHeaders[index + 1] ?? '';
  }
  if (host === undefined) return httpVersion === '1.1' ? 'An HTTP/1.1 request must have a Host header' : undefined;
  return validHost.test(host) ? undefined : 'The Host header is not a valid host';
}

/** Whether a Transfer-Encoding field value (all its lines, joined by Node) is `chunked` alone: the one coding served. */
function isChunkedAlone(transferEncoding: string): boolean {
  const codings = transferEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '');
  return codings.length === 1 && codings[0] === 'chunked';
}

/** fastify's onRequest hook: refuses requests with too many header fields (431), a bad Host (400) or an unserved transfer coding (501). */
export const refuseMalformedRequests: onRequestHookHandler = (request, reply, done) => {
  const raw = request.raw;
  if (raw.rawHeaders.length > 2 * maxHeaderFields) {
    reply.header('connection', 'close');
    return void sendProblem(
      reply,
      'request_header_fields_too_large',
      decodedPath(request.url),
      `The request has more than ${maxHeaderFields} header fields`,
    );
  }
  const fault = hostFault(raw.rawHeaders, raw.httpVersion);
  if (fault !== undefined) {
    reply.header('connection', 'close');
    return void sendProblem(reply, 'bad_request', decodedPath(request.url), fault);
  }
  const transferEncoding = request.headers['transfer-encoding'];
  if (transferEncoding !== undefined) {
    if (!isChunkedAlone(transferEncoding)) {
      reply.header('connection', 'close');
      return void sendProblem(reply, 'not_implemented', decodedPath(request.url));
    }
    // RFC 9112 section 6.1: an HTTP/1.0 message with Transfer-Encoding is served, then its connection closes
    // (its framing may not be the one a 1.0 recipient in between saw), whatever its Connection says.
    if (raw.httpVersion === '1.0') reply.header('connection', 'close');
  }
  done();
};
