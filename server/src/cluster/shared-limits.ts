import cluster from 'node:cluster';
import type { FastifyBaseLogger } from 'fastify';
import type { Limits } from '../limits/decisions.js';
import { anyLimits, type LimitCheck, type LimitedNamespace, Limiter, type Refusal } from '../limits/limiter.js';
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
}

interface DecisionsMessage {
  readonly type: typeof decisionsType;
  readonly id: number;
  /** By the checks' order; `null` (JSON has no undefined) admits. */
  readonly refusals: readonly (Refusal | null)[];
}

function isMessageOf<T extends { type: string }>(type: T['type'], message: unknown): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/** In the primary, when a namespace has limits: decides the workers' checks, on its own clock. */
export function answerLimitChecks(namespaces: readonly LimitedNamespace[]): void {
  if (!anyLimits(namespaces)) return;
  const limiter = new Limiter(namespaces, performance.now());
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessageOf<ChecksMessage>(checksType, message)) return;
    const now = performance.now();
    const refusals = message.checks.map((check) => limiter.decide(check, now) ?? null);
    const answer: DecisionsMessage = { type: decisionsType, id: message.id, refusals };
    worker.send(answer);
  });
}

type Answer = (refusal: Refusal | undefined) => void;

/**
 * In a worker: the limits, decided by the primary. One message is in flight at a time: the checks of the requests
 * that come meanwhile wait for it, then go together. Alone, a request is sent at the end of its loop turn and waits
 * one round trip; under load, the messages are as many as the round trips, not the requests.
 */
export function limitsOfThePrimary(logger: FastifyBaseLogger): Limits {
  let checks: LimitCheck[] = [];
  let answers: Answer[] = [];
  let nextId = 0;
  let inFlight: { readonly id: number; readonly answers: readonly Answer[]; readonly deadline: NodeJS.Timeout } | undefined;
  const throttle = new LogThrottle();

  const send = () => {
    const id = nextId++;
    const deadline = setTimeout(() => settle(id, undefined), decisionDeadlineMs);
    inFlight = { id, answers, deadline };
    const message: ChecksMessage = { type: checksType, id, checks };
    process.send?.(message);
    checks = [];
    answers = [];
  };
  const settle = (id: number, refusals: DecisionsMessage['refusals'] | undefined) => {
    const batch = inFlight;
    if (batch?.id !== id) return;
    inFlight = undefined;
    clearTimeout(batch.deadline);
    if (refusals === undefined) {
      const suppressed = throttle.admit('undecided');
      if (suppressed !== undefined) {
        const fields = { requests: batch.answers.length, ...suppressedField(suppressed) };
        logger.error(fields, 'rate limits not checked: the primary did not answer in time');
      }
    }
    if (checks.length > 0) send();
    for (const [i, answer] of batch.answers.entries()) answer(refusals?.[i] ?? undefined);
  };
  process.on('message', (message: unknown) => {
    if (isMessageOf<DecisionsMessage>(decisionsType, message)) settle(message.id, message.refusals);
  });
  return {
    admit(check, answer) {
      // At the end of the loop turn, every request the turn read is in the message.
      if (checks.length === 0 && inFlight === undefined) setImmediate(send);
      checks.push(check);
      answers.push(answer);
    },
  };
}
