import { errorCodes, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { describeError } from '../logging/logging.js';
import { StorageError } from '../storage/storage.js';
import { lingerAfterResponse } from './lingering-close.js';
import { decodedPath } from './paths.js';
import { sendProblem } from './problems.js';

/** The detail of a 413: the limit of the route's namespace, which a client cannot learn otherwise. */
function payloadTooLargeDetail(maxValueBytes: number): string {
  return `The value is larger than ${maxValueBytes} bytes`;
}

/**
 * fastify's error handler: every error a route or fastify itself throws becomes a problem from the
 * catalogue. Storage errors are 503 (unavailable) or 500 (fault); fastify's own errors are recognised by
 * the classes it exports, never by their messages (which quote the URL, and so the key).
 */
export function errorHandler(backend: string) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const instance = decodedPath(request.url);
    if (error instanceof StorageError) {
      const fields = { kind: error.kind, backend, reason: error.reason, ...describeError(error.cause ?? error) };
      if (error.kind === 'unavailable') {
        request.log.warn(fields, 'storage unavailable');
        return sendProblem(reply, 'service_unavailable', instance);
      }
      request.log.error(fields, 'storage fault');
      return sendProblem(reply, 'server_error', instance);
    }
    if (error instanceof errorCodes.FST_ERR_CTP_BODY_TOO_LARGE) {
      // The rest of an oversized body is not read: the connection is closed instead.
      reply.header('connection', 'close');
      lingerAfterResponse(request.raw.socket);
      return sendProblem(reply, 'payload_too_large', instance, payloadTooLargeDetail(request.routeOptions.bodyLimit));
    }
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      request.log.info({ ...describeError(error), code: (error as FastifyError).code }, 'malformed request');
      return sendProblem(reply, 'bad_request', instance);
    }
    request.log.error(describeError(error), 'unexpected error');
    return sendProblem(reply, 'server_error', instance);
  };
}
