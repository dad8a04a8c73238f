import cluster from 'node:cluster';
import type { FastifyBaseLogger } from 'fastify';
import type { Limits } from '../limits/decisions.js';
import { EmptyBuckets } from '../limits/empty-buckets.js';
import {
  anyLimits,
  appliedBuckets,
  bucketIdsOf,
  type Leases,
  type LimitCheck,
  type LimitedNamespace,
  Limiter,
  type Refusal,
} from '../limits/limiter.js';
import { LogThrottle, suppressedField } from '../logging/log-throttle.js';

// The rate limits of a service of several workers, decided by the primary for all of them: one bucket per limit
// for the whole service, on one clock, so that a client whose requests land on N workers gets its rate, not N times
// it. A worker sends its requests' checks together, one message at a time, and waits for their decisions.
//
// NOTE: measured with 2 workers on 2 shared cores (`npm run bench:flood -- --part cost`, wrk's mix at saturation):
// 4-9 µs more server CPU a request (of 34-49), 4.4 of them in the primary, with one message in flight per worker;
// 6.6 in the primary with a message every loop turn. Dividing each bucket among the workers would cost nothing, but
// give a client whose connections one worker accepts 1/N of its rate, and the per-key cap cannot be divided at all
// (docs/operators/rate-limits.md).

const checksType = 'kask:limit-checks';
const decisionsType = 'kask:limit-decisions';

/**
 * A worker waits this long for the primary's decisions, then admits the requests: a limit protects the service,
 * and a primary that does not answer must not stop it. The primary decides in microseconds; a worker whose primary
 * has gone exits.
 */
const decisionDeadlineMs = 1000;

interface ChecksMessage {
  readonly type: typeof checksType;
  readonly id: number;
  readonly checks: readonly LimitCheck[];
  /** The worker's unspent lent tokens, by bucket: the primary tops them up to a lease, never beyond. */
  readonly held: Leases;
}

interface DecisionsMessage {
  readonly type: typeof decisionsType;
  readonly id: number;
  /** By the checks' order; `null` (JSON has no undefined) admits. */
  readonly refusals: readonly (Refusal | null)[];
  /** Tokens lent to the worker, by bucket. */
  readonly leases: Leases;
}

/** Tokens lent and not spent after this long are dropped: what a worker holds was lent recently. */
const leaseMs = 1000;

function isMessageOf<T extends { type: string }>(type: T['type'], message: unknown): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/**
 * In the primary, when a namespace has limits: decides the checks of `workers` workers on its own clock, and lends a
 * worker tokens of the buckets of the requests it admits (not of a key's cap).
 */
export function answerLimitChecks(namespaces: readonly LimitedNamespace[], workers: number): void {
  if (!anyLimits(namespaces)) return;
  const limiter = new Limiter(namespaces, performance.now(), workers);
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessageOf<ChecksMessage>(checksType, message)) return;
    const now = performance.now();
    const leases: Record<string, number> = {};
    const refusals = message.checks.map((check) => {
      const refusal = limiter.decide(check, now);
      if (refusal === undefined && check.keyHash === undefined) limiter.lease(check, now, message.held, leases);
      return refusal ?? null;
    });
    const answer: DecisionsMessage = { type: decisionsType, id: message.id, refusals, leases };
    worker.send(answer);
  });
}

type Answer = (refusal: Refusal | undefined) => void;

/**
 * In a worker: the limits of `namespaces`, decided by the primary. A request that no bucket applies to is admitted at
 * once, and so is one for which the worker holds a lent token of every bucket that applies (and that writes to no
 * capped key); one that a bucket the primary said is empty applies to is refused at once; any other is sent. One message is in flight at a time: the checks of the requests that come meanwhile
 * wait for it, then go together. Alone, a request is sent at the end of its loop turn and waits one round trip.
 */
export function limitsOfThePrimary(namespaces: readonly LimitedNamespace[], logger: FastifyBaseLogger): Limits {
  const limits = new Map(namespaces.map(({ name, limits }) => [name, limits]));
  // Lent tokens not yet spent, by bucket; one of a bucket's is spent only with one of each other bucket that applies.
  const held = new Map<string, { tokens: number; readonly expiresAtMs: number }>();
  const tokensHeld = (id: string, nowMs: number) => {
    const lease = held.get(id);
    return lease !== undefined && lease.expiresAtMs > nowMs ? lease.tokens : 0;
  };
  /** Whether a lent token of each bucket that applies to `check` was there, and is now spent; never for a capped key. */
  const spendLent = (check: LimitCheck): boolean => {
    const namespace = limits.get(check.namespace);
    if (namespace === undefined || check.keyHash !== undefined) return false;
    const applied = appliedBuckets(namespace, check);
    const now = performance.now();
    if (!applied.every(({ id }) => tokensHeld(id, now) >= 1)) return false;
    for (const { id } of applied) (held.get(id) as { tokens: number }).tokens--;
    return true;
  };
  const empty = new EmptyBuckets();
  /** The refusal of `check` by a bucket the primary said is empty until its next token: not asked again meanwhile. */
  const refusedHere = (check: LimitCheck): Refusal | undefined => {
    const namespace = limits.get(check.namespace);
    return namespace === undefined ? undefined : empty.refusal(bucketIdsOf(namespace, check), performance.now());
  };
  let checks: LimitCheck[] = [];
  let answers: Answer[] = [];
  const queue = (check: LimitCheck, answer: Answer) => {
    checks.push(check);
    answers.push(answer);
  };
  let nextId = 0;
  let inFlight: { readonly id: number; readonly answers: readonly Answer[]; readonly deadline: NodeJS.Timeout } | undefined;
  const throttle = new LogThrottle();

  const send = () => {
    const id = nextId++;
    const deadline = setTimeout(() => settle(id, undefined), decisionDeadlineMs);
    inFlight = { id, answers, deadline };
    const now = performance.now();
    const unspent = Object.fromEntries([...held.keys()].map((bucket) => [bucket, tokensHeld(bucket, now)]));
    const message: ChecksMessage = { type: checksType, id, checks, held: unspent };
    process.send?.(message);
    checks = [];
    answers = [];
  };
  const settle = (id: number, refusals: DecisionsMessage['refusals'] | undefined, leases: Leases = {}) => {
    const batch = inFlight;
    if (batch?.id !== id) return;
    const now = performance.now();
    for (const [bucket, tokens] of Object.entries(leases)) {
      held.set(bucket, { tokens: tokensHeld(bucket, now) + tokens, expiresAtMs: now + leaseMs });
    }
    for (const refusal of refusals ?? []) if (refusal !== null) empty.record(refusal, now);
    inFlight = undefined;
    clearTimeout(batch.deadline);
    if (refusals === undefined) {
      const suppressed = throttle.admit('undecided');
      if (suppressed !== undefined) {
        const fields = { requests: batch.answers.length, ...suppressedField(suppressed) };
        logger.error(fields, 'rate limits not checked: the primary did not answer in time');
      }
    }
    // The requests that waited meanwhile may be decided here now, on lent tokens or by an empty bucket, rather than
    // ask again.
    const waiting = checks.map((check, i) => [check, answers[i] as Answer] as const);
    checks = [];
    answers = [];
    const decidedHere: [Answer, Refusal | undefined][] = [];
    for (const [check, answer] of waiting) {
      const refused = refusedHere(check);
      if (refused !== undefined) decidedHere.push([answer, refused]);
      else if (spendLent(check)) decidedHere.push([answer, undefined]);
      else queue(check, answer);
    }
    if (checks.length > 0) send();
    for (const [i, answer] of batch.answers.entries()) answer(refusals?.[i] ?? undefined);
    for (const [answer, refusal] of decidedHere) answer(refusal);
  };
  process.on('message', (message: unknown) => {
    if (isMessageOf<DecisionsMessage>(decisionsType, message)) settle(message.id, message.refusals, message.leases);
  });
  return {
    admit(check, answer) {
      const refused = refusedHere(check);
      if (refused !== undefined) return answer(refused);
      if (spendLent(check)) return answer(undefined);
      // At the end of the loop turn, every request the turn read is in the message.
      if (checks.length === 0 && inFlight === undefined) setImmediate(send);
      queue(check, answer);
    },
  };
}
