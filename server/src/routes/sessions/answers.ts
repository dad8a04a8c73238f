import type { FastifyReply } from 'fastify';
import type { NamespaceConfig } from '../../config/namespaces.js';
import { type ProblemName, sendProblem } from '../../http/problems.js';
import { digestOf } from '../../storage/storage.js';
import { etagOf } from './conditions.js';

/** A problem about the request's key, its `instance` the decoded path. */
export function keyProblem(
  reply: FastifyReply,
  namespace: NamespaceConfig,
  problem: ProblemName,
  key: string,
  detail?: string,
): FastifyReply {
  return sendProblem(reply, problem, `${namespace.base_uri}${key}`, detail);
}

/** The 201 of a write of `value`, with the ETag a GET of it gives: a client can release its lock without a GET. */
export function created(reply: FastifyReply, value: Buffer): FastifyReply {
  return reply
    .header('etag', etagOf({ digest: digestOf(value) }))
    .code(201)
    .send();
}
