import type { FastifyBaseLogger, onResponseHookHandler } from 'fastify';
import { isWarmUp } from '../warm-up.js';

// The access log (`access_log: true`): one line per request answered, of what an operator reads traffic by, and
// nothing that could hold a session key or value. The URL holds the key, so the route's pattern stands for it;
// the body is the value, so only its size is written.

/** The Content-Length a reply declares, in bytes; 0 when it sends no content. */
function contentLength(header: number | string | string[] | undefined): number {
  const bytes = Number(header);
  return Number.isFinite(bytes) ? bytes : 0;
}

/**
 * The onResponse hook that writes each request's line on `logger`, at INFO whatever `log_level` keeps out: an
 * operator who turns the access log on wants every line of it.
 */
export function accessLog(logger: FastifyBaseLogger): onResponseHookHandler {
  const log = logger.child({}, { level: 'info' });
  return function logAccess(request, reply, done) {
    if (isWarmUp(request)) return done();
    const { url: route, namespace } = request.routeOptions.config;
    log.info(
      {
        request_id: request.id,
        method: request.method,
        route,
        namespace,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
        request_bytes: Buffer.isBuffer(request.body) ? request.body.length : 0,
        // A HEAD answer declares its GET's length and sends nothing.
        response_bytes: request.method === 'HEAD' ? 0 : contentLength(reply.getHeader('content-length')),
        // Set by the access check (auth/access-control.ts), where there is one.
        client: request.clientIdentity || undefined,
      },
      'request',
    );
    done();
  };
}
