import type { FastifyReply } from 'fastify';
import { mediaTypes, problems, sessionMethods } from '../generated/contract.js';

/** The name of a problem in the catalogue generated from the OpenAPI document (`not_found`, ...). */
export type ProblemName = keyof typeof problems;

type SuppliedHeader = (typeof problems)[ProblemName]['suppliedHeaders'][number];

/** Seconds a client should wait before retrying after a 503; storage outages are usually short. */
const retryAfterSeconds = 1;

/**
 * The values of the headers the document requires of a problem and leaves to the server; a header the
 * document adds to a problem does not compile until it has a value here.
 */
const suppliedHeaderValues: Record<SuppliedHeader, string | number> = {
  'retry-after': retryAfterSeconds,
  // The session route's; the operation routes give their own.
  allow: sessionMethods.join(', '),
};

/** The problem+json body for `name`, fields in Kask's order. */
export function problemBody(name: ProblemName, instance: string, detail?: string): string {
  const problem = problems[name];
  return JSON.stringify({ type: problem.type, title: problem.title, detail: detail ?? problem.detail, instance });
}

/** The headers of the problem `name`: its media type and every header the document gives it. */
export function problemHeaders(name: ProblemName): Record<string, string | number> {
  const problem = problems[name];
  const headers: Record<string, string | number> = { 'content-type': mediaTypes.problem, ...problem.headers };
  for (const header of problem.suppliedHeaders) headers[header] = suppliedHeaderValues[header];
  return headers;
}

/**
 * Writes the problem `name` as the reply: its status, headers and body. The only way errors are answered.
 * `headers` replaces supplied values that depend on the route (a 405's Allow).
 */
export function sendProblem(
  reply: FastifyReply,
  name: ProblemName,
  instance: string,
  detail?: string,
  headers?: Partial<Record<SuppliedHeader, string>>,
): FastifyReply {
  return reply
    .code(problems[name].status)
    .headers({ ...problemHeaders(name), ...headers })
    .send(problemBody(name, instance, detail));
}
