import type { LimitCheck, Limiter, Refusal } from './limiter.js';

/** Where a process's requests are decided: in the process itself, or by the cluster's primary for every worker. */
export interface Limits {
  /** Calls `answer` with the decision on `check`: at once, or when the primary has answered. */
  admit(check: LimitCheck, answer: (refusal: Refusal | undefined) => void): void;
}

/** Decisions made in this process, on its own clock: the service is this one process. */
export function localLimits(limiter: Limiter): Limits {
  return { admit: (check, answer) => answer(limiter.decide(check, performance.now())) };
}
