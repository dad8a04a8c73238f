import cluster from 'node:cluster';
import type { FastifyBaseLogger } from 'fastify';
import type { Limits } from '../limits/decisions.js';
import { anyLimits, type LimitCheck, type LimitedNamespace, Limiter, type Refusal } from '../limits/limiter.js';
import { LogThrottle, suppressedField } from '../logging/log-throttle.js';

// The rate limits of a service of several workers, decided by the primary for all of them: one bucket per limit
// for the whole service, on one clock, so that a client whose requests land on N workers gets its rate, not N times
// it. A worker sends the checks of a turn of its event loop in one message and waits for their decisions.
//
// NOTE: measured with 2 workers on 2 cores (docs/operators/rate-limits.md): one message a turn adds 8-10 µs of CPU
// a request, for the worker and the primary together (a bare HTTP answer costs 16, a kask-ts request about 180),
// against 16-19 µs for a message a request; dividing each bucket among the workers instead would cost nothing but
// give a client whose connections one worker accepts 1/N of its rate, and the per-key cap cannot be divided at all.

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

/** In a worker: the limits, decided by the primary; the checks of one turn of the event loop go in one message. */
export function limitsOfThePrimary(logger: FastifyBaseLogger): Limits {
  let checks: LimitCheck[] = [];
  let answers: Answer[] = [];
  let nextId = 0;
  const waiting = new Map<number, { readonly answers: readonly Answer[]; readonly deadline: NodeJS.Timeout }>();
  const throttle = new LogThrottle();

  const settle = (id: number, refusals: DecisionsMessage['refusals'] | undefined) => {
    const batch = waiting.get(id);
    if (batch === undefined) return;
    waiting.delete(id);
    clearTimeout(batch.deadline);
    if (refusals === undefined) {
      const suppressed = throttle.admit('undecided');
      if (suppressed !== undefined) {
        const fields = { requests: batch.answers.length, ...suppressedField(suppressed) };
        logger.error(fields, 'rate limits not checked: the primary did not answer in time');
      }
    }
    for (const [i, answer] of batch.answers.entries()) answer(refusals?.[i] ?? undefined);
  };
  const send = () => {
    const id = nextId++;
    const deadline = setTimeout(() => settle(id, undefined), decisionDeadlineMs);
    waiting.set(id, { answers, deadline });
    const message: ChecksMessage = { type: checksType, id, checks };
    process.send?.(message);
    checks = [];
    answers = [];
  };
  process.on('message', (message: unknown) => {
    if (isMessageOf<DecisionsMessage>(decisionsType, message)) settle(message.id, message.refusals);
  });
  return {
    admit(check, answer) {
      // After the turn's I/O callbacks: every request the turn read is in the message.
      if (checks.length === 0) setImmediate(send);
      checks.push(check);
      answers.push(answer);
    },
  };
}
