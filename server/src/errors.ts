import type { FastifyReply } from 'fastify';
import { problems } from './generated/contract.js';

/** The name of a problem in the catalogue generated from the OpenAPI document (`not_found`, ...). */
export type ProblemName = keyof typeof problems;

/** Seconds a client should wait before retrying after a 503; storage outages are usually short. */
export const retryAfterSeconds = 1;

/** The problem+json body for `name`, fields in Kask's order. */
export function problemBody(name: ProblemName, instance: string, detail?: string): string {
  const problem = problems[name];
  return JSON.stringify({ type: problem.type, title: problem.title, detail: detail ?? problem.detail, instance });
}

/** The headers every problem response carries. */
export const problemHeaders = {
  'content-type': 'application/problem+json',
  'x-content-type-options': 'nosniff',
} as const;

/** Writes the problem `name` as the reply: its status, headers and body. The only way errors are answered. */
export function sendProblem(reply: FastifyReply, name: ProblemName, instance: string, detail?: string): FastifyReply {
  const headers: Record<string, string | number> = { ...problemHeaders };
  if (name === 'service_unavailable') headers['retry-after'] = retryAfterSeconds;
  return reply
    .code(problems[name].status)
    .headers(headers)
    .send(problemBody(name, instance, detail));
}
