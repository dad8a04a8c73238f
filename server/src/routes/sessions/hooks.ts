import { errorCodes, type onRequestHookHandler, type onResponseHookHandler, type preHandlerHookHandler } from 'fastify';
import type { NamespaceConfig } from '../../config/namespaces.js';
import { pathHeaders, sessionPathTemplate } from '../../generated/contract.js';
import { decodedPath } from '../../http/paths.js';
import { sendProblem } from '../../http/problems.js';
import type { NamespaceMetrics } from '../../metrics/namespace-metrics.js';
import { isWarmUp } from '../../warm-up.js';
import { keyProblem } from './answers.js';
import { effectiveTtl, requestedTtl } from './conditions.js';
import { parseSessionKey } from './session-key.js';

// The hooks of the session route, in the order a request meets them: onRequest (headers, key, declared size),
// preHandler (what a write or a touch needs), onResponse (metrics). Those that depend on the namespace are made
// once per namespace.

declare module 'fastify' {
  interface FastifyRequest {
    /** The session key of a request on the session route, parsed once by its onRequest hook. */
    sessionKey: string;
    /** The TTL a write or touch gets, read once from its Cache-Control by its preHandler hook. */
    ttlSeconds: number;
  }
}

const routeHeaders = pathHeaders[sessionPathTemplate];

/**
 * Every answer of the route carries them (Cache-Control: no-store: session values are credentials, and no cache in
 * between may keep them); problems carry the catalogue's.
 */
export const setRouteHeaders: onRequestHookHandler = (_request, reply, done) => {
  reply.headers(routeHeaders);
  done();
};

/**
 * NOTE: fastify parses Content-Type before any body parser runs, and answers 415 (a 400 here) to a value it cannot
 * parse, such as `application/octet-stream, application/octet-stream` from a client that merged two headers: a
 * logout with one would fail. Values are opaque bytes and no method reads the header, so it is removed before
 * fastify sees it; every body is then read as raw bytes.
 */
export const ignoreContentType: onRequestHookHandler = (request, _reply, done) => {
  delete request.raw.headers['content-type'];
  done();
};

/**
 * Parses the key once, before the body is read: a request without a valid key is answered here, so no handler
 * ever runs without one.
 */
export function keyParser(namespace: NamespaceConfig): onRequestHookHandler {
  return function parseKey(request, reply, done) {
    const result = parseSessionKey(request.url, namespace.base_uri, namespace.max_key_bytes);
    if (!result.ok) return void sendProblem(reply, result.problem, decodedPath(request.url), result.detail);
    request.sessionKey = result.key;
    done();
  };
}

/**
 * fastify reads no body on GET, so it would never find one too large there: a body declared over the limit is
 * refused unread on every method alike, as fastify refuses it on the others and as the early answer to
 * `Expect: 100-continue` does.
 */
export function declaredSizeLimit(namespace: NamespaceConfig): onRequestHookHandler {
  return function refuseDeclaredOversize(request, _reply, done) {
    if (Number(request.headers['content-length']) > namespace.max_value_bytes) {
      return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    }
    done();
  };
}

/** A write needs a non-empty body and a usable Cache-Control; the TTL it gets is read once, here. */
export function writeCheck(namespace: NamespaceConfig): preHandlerHookHandler {
  return function checkWrite(request, reply, done) {
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
      return void keyProblem(reply, namespace, 'bad_request', request.sessionKey);
    }
    const requested = requestedTtl(request.headers['cache-control']);
    if (!requested.ok) return void keyProblem(reply, namespace, 'bad_request', request.sessionKey, requested.detail);
    request.ttlSeconds = effectiveTtl(namespace, requested.seconds);
    done();
  };
}

/** A touch takes no body and needs Cache-Control: max-age=N. */
export function touchCheck(namespace: NamespaceConfig): preHandlerHookHandler {
  return function checkTouch(request, reply, done) {
    if (Buffer.isBuffer(request.body) && request.body.length > 0) {
      return void keyProblem(
        reply,
        namespace,
        'bad_request',
        request.sessionKey,
        'PATCH takes no body: only Cache-Control: max-age=N',
      );
    }
    const requested = requestedTtl(request.headers['cache-control']);
    if (!requested.ok) return void keyProblem(reply, namespace, 'bad_request', request.sessionKey, requested.detail);
    if (requested.seconds === undefined) {
      return void keyProblem(reply, namespace, 'bad_request', request.sessionKey, 'Cache-Control: max-age=N is required');
    }
    request.ttlSeconds = effectiveTtl(namespace, requested.seconds);
    done();
  };
}

/** Counts and times every answer of the route in the namespace's metrics. */
export function answerCounter(metrics: NamespaceMetrics): onResponseHookHandler {
  return function countAnswer(request, reply, done) {
    if (!isWarmUp(request)) metrics.observeRequest(reply.statusCode, request.method, reply.elapsedTime / 1000);
    done();
  };
}
