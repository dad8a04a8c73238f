import type { FastifyRequest } from 'fastify';
import type { ProblemName } from '../../http/problems.js';
import { type Storage, StorageError, type StoredValue } from '../../storage/storage.js';
import { failedPrecondition, type Preconditions } from './conditions.js';

/** A write with preconditions gives up (503) when the value changes under it this many times in a row. */
const conditionalWriteAttempts = 5;

/** The preconditions of a request on the session route (see failedPrecondition for those it ignores). */
export function preconditionsOf(request: FastifyRequest): Preconditions {
  return { ifMatch: request.headers['if-match'], ifNoneMatch: request.headers['if-none-match'] };
}

export function hasPreconditions(request: FastifyRequest): boolean {
  return request.headers['if-match'] !== undefined || request.headers['if-none-match'] !== undefined;
}

/** POST and DELETE succeed whatever the current value: only their preconditions can refuse them. */
export const noRefusal = () => undefined;

/**
 * Runs a write that carries preconditions (RFC 9110 section 13.2): reads the current value; answers the method's
 * own failure for it (`refusal`: it comes before the preconditions, section 13.2.1), or 412 when a precondition is
 * false; otherwise runs `write`, which is conditional on the value read, so that a change in between makes the
 * whole evaluation run again on the new value rather than slip through.
 */
export async function writeIfPreconditionsHold(
  storage: Storage,
  request: FastifyRequest,
  refusal: (current: StoredValue | undefined) => ProblemName | undefined,
  write: (current: StoredValue | undefined) => Promise<boolean>,
): Promise<ProblemName | undefined> {
  const preconditions = preconditionsOf(request);
  for (let attempt = 0; attempt < conditionalWriteAttempts; attempt++) {
    const current = await storage.get(request.sessionKey);
    const problem =
      refusal(current) ?? (failedPrecondition(preconditions, current) === undefined ? undefined : 'precondition_failed');
    if (problem !== undefined) return problem;
    if (await write(current)) return undefined;
  }
  throw new StorageError('unavailable', `conditional write: the value kept changing for ${conditionalWriteAttempts} attempts`, {
    reason: 'other writers kept changing the value',
  });
}
