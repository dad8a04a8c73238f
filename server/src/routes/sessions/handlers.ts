import type { FastifyReply, FastifyRequest } from 'fastify';
import { headerNames, mediaTypes } from '../../generated/contract.js';
import { decodedPath } from '../../http/paths.js';
import { sendProblem } from '../../http/problems.js';
import type { SetOutcome, StoredValue } from '../../storage/storage.js';
import { created, keyProblem } from './answers.js';
import { hasPreconditions, noRefusal, preconditionsOf, writeIfPreconditionsHold } from './conditional-writes.js';
import { etagOf, failedPrecondition } from './conditions.js';
import type { NamespaceRoute } from './namespace-route.js';

// The session route's handlers, each named by its operationId in the document and made once per namespace. Every
// request reaching one has a valid key (request.sessionKey) and, for a write or a touch, its TTL (request.ttlSeconds).

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** The header that tells a reader the seconds a value has left. */
const ttlHeader = headerNames.KaskTTL;

/** The whole seconds until `expiresAt` (ms since the epoch), rounded up: at least 1, since the value was live when read. */
function secondsLeft(expiresAt: number): number {
  return Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000));
}

/** GET, and HEAD (headSession) as GET with the same headers (Content-Length too) and no content: Node sends no body to HEAD. */
export function getSession({ namespace, storage }: NamespaceRoute): Handler {
  return async function getSession(request, reply) {
    const key = request.sessionKey;
    const stored = await storage.get(key);
    if (stored === undefined) return keyProblem(reply, namespace, 'not_found', key);
    const failed = failedPrecondition(preconditionsOf(request), stored);
    if (failed === 'if-match') return keyProblem(reply, namespace, 'precondition_failed', key);
    if (stored.expiresAt !== undefined) reply.header(ttlHeader, secondsLeft(stored.expiresAt));
    const etag = etagOf(stored);
    // RFC 9110 section 13.1.2: a GET whose If-None-Match names the value answers 304, with its ETag.
    if (failed === 'if-none-match') return reply.header('etag', etag).code(304).send();
    return reply.headers({ 'content-type': mediaTypes.sessionValue, etag }).code(200).send(stored.value);
  };
}

/**
 * Counts a write answered 201 in the namespace's metrics (its value's size; a same-value rewrite, when `outcome`
 * tells) and in what insight follows of its keys.
 */
function countWrite({ metrics, keyWrites }: NamespaceRoute, key: string, value: Buffer, outcome: SetOutcome): void {
  metrics.observeWrite(value.length, outcome === 'unknown' ? undefined : outcome === 'unchanged');
  keyWrites?.record(key);
}

/** What a write of `value` over `replaced` (the live value it was conditional on) replaced. */
function outcomeOver(replaced: StoredValue | undefined, value: Buffer): SetOutcome {
  return replaced?.value.equals(value) === true ? 'unchanged' : 'changed';
}

export function setSession(route: NamespaceRoute): Handler {
  const { namespace, storage, compareRate } = route;
  return async function setSession(request, reply) {
    const { sessionKey: key, ttlSeconds: ttl } = request;
    const value = request.body as Buffer;
    if (!hasPreconditions(request)) {
      countWrite(route, key, value, await storage.set(key, value, ttl, Math.random() < compareRate));
      return created(reply, value);
    }
    // The write that succeeds is conditional on the value it was given: the one it replaced.
    let replaced: StoredValue | undefined;
    const problem = await writeIfPreconditionsHold(storage, request, noRefusal, (current) => {
      replaced = current;
      return current === undefined ? storage.add(key, value, ttl) : storage.compareAndSet(key, current.value, value, ttl);
    });
    if (problem !== undefined) return keyProblem(reply, namespace, problem, key);
    countWrite(route, key, value, outcomeOver(replaced, value));
    return created(reply, value);
  };
}

/** PUT: creates only, so what it replaced was no value. */
export function createSession(route: NamespaceRoute): Handler {
  const { namespace, storage } = route;
  return async function createSession(request, reply) {
    const { sessionKey: key, ttlSeconds: ttl } = request;
    const value = request.body as Buffer;
    if (!hasPreconditions(request)) {
      if (!(await storage.add(key, value, ttl))) return keyProblem(reply, namespace, 'conflict', key);
      countWrite(route, key, value, 'changed');
      return created(reply, value);
    }
    // With a value present it answers 409 whatever the preconditions say (13.2.1), so If-Match, which needs a
    // value, can only fail (412), and If-None-Match can only hold.
    const problem = await writeIfPreconditionsHold(
      storage,
      request,
      (current) => (current === undefined ? undefined : 'conflict'),
      () => storage.add(key, value, ttl),
    );
    if (problem !== undefined) return keyProblem(reply, namespace, problem, key);
    countWrite(route, key, value, 'changed');
    return created(reply, value);
  };
}

/** PATCH: a new TTL for the value as it is. */
export function touchSession({ namespace, storage }: NamespaceRoute): Handler {
  return async function touchSession(request, reply) {
    const { sessionKey: key, ttlSeconds: ttl } = request;
    if (!hasPreconditions(request)) {
      if (!(await storage.touch(key, ttl))) return keyProblem(reply, namespace, 'not_found', key);
      return reply.code(204).send();
    }
    // Rewriting the value read with the new TTL, conditional on it, is a touch conditional on that value.
    const problem = await writeIfPreconditionsHold(
      storage,
      request,
      (current) => (current === undefined ? 'not_found' : undefined),
      async (current) => current !== undefined && (await storage.compareAndSet(key, current.value, current.value, ttl)),
    );
    if (problem !== undefined) return keyProblem(reply, namespace, problem, key);
    return reply.code(204).send();
  };
}

export function deleteSession({ namespace, storage }: NamespaceRoute): Handler {
  return async function deleteSession(request, reply) {
    const key = request.sessionKey;
    if (!hasPreconditions(request)) {
      await storage.delete(key);
      return reply.code(204).send();
    }
    // No value to delete: the request is done as it is read.
    const problem = await writeIfPreconditionsHold(storage, request, noRefusal, async (current) =>
      current === undefined ? true : storage.compareAndDelete(key, current.value),
    );
    if (problem !== undefined) return keyProblem(reply, namespace, problem, key);
    return reply.code(204).send();
  };
}

/** Every method the route does not serve: 405 with the route's Allow. */
export async function methodNotAllowed(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  return sendProblem(reply, 'method_not_allowed', decodedPath(request.url));
}
