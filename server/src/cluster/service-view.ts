import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Storage } from '../storage/storage.js';

/**
 * What /metrics, /healthz and /readyz report: the state of the whole service. In one process that is the
 * process itself; with workers, the request lands on one worker, which asks the primary, which asks
 * every worker (metrics through prom-client's cluster protocol, readiness by pinging each one's storage).
 */
export interface ServiceView {
  /** Prometheus text, summed over every worker. */
  metricsText(): Promise<string>;
  /** Whether each namespace's storage answers, in every worker, by namespace name. */
  storageAvailability(): Promise<Availability>;
}

/** Whether each namespace's storage answers, by namespace name. */
export type Availability = Readonly<Record<string, boolean>>;

async function answers(storage: Storage): Promise<boolean> {
  try {
    await storage.ping();
    return true;
  } catch {
    return false;
  }
}

async function availabilityOf(stores: ReadonlyMap<string, Storage>): Promise<Availability> {
  const names = [...stores.keys()];
  const available = await Promise.all([...stores.values()].map(answers));
  return Object.fromEntries(names.map((name, i) => [name, available[i] === true]));
}

/** The view of a service that is this one process. */
export function localServiceView(registry: Registry, stores: ReadonlyMap<string, Storage>): ServiceView {
  return { metricsText: () => registry.metrics(), storageAvailability: () => availabilityOf(stores) };
}

const question = 'kask:question';
const answer = 'kask:answer';
const ping = 'kask:ping';
const pong = 'kask:pong';
const answerDeadlineMs = 5000;

type Topic = 'metrics' | 'ready';

interface Message {
  readonly type: string;
  readonly id: number;
  readonly topic?: Topic;
  readonly value?: string | Availability;
  readonly error?: string;
}

function isMessage(message: unknown): message is Message {
  return typeof message === 'object' && message !== null && 'type' in message && 'id' in message;
}

/** Requests sent, waiting for their answer by id, each failing after a deadline. */
class PendingAnswers<T> {
  #nextId = 0;
  readonly #waiting = new Map<number, (value: T | Error) => void>();

  /** Sends a request with a fresh id through `send`, and resolves with its answer. */
  ask(send: (id: number) => void): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => this.settle(id, new Error('no answer from the other processes of the service')),
        answerDeadlineMs,
      );
      this.#waiting.set(id, (value) => {
        clearTimeout(timer);
        if (value instanceof Error) reject(value);
        else resolve(value);
      });
      send(id);
    });
  }

  settle(id: number, value: T | Error): void {
    const settle = this.#waiting.get(id);
    this.#waiting.delete(id);
    settle?.(value);
  }
}

/** In the primary: answers the workers' questions about the whole service. */
export function answerServiceQuestions(): void {
  const aggregator = new AggregatorRegistry();
  const pongs = new Map<number, { expected: number; ready: Availability[]; done: (ready: Availability) => void }>();
  let nextPing = 0;

  // A namespace is available when every worker found it so; no answer in time, or no worker: none is
  // (an empty answer, which each worker reads as false for every namespace).
  const everyWorkerReady = () =>
    new Promise<Availability>((resolve) => {
      const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker?.isConnected() === true);
      const id = nextPing++;
      const timer = setTimeout(() => finish({}), answerDeadlineMs);
      const finish = (ready: Availability) => {
        clearTimeout(timer);
        pongs.delete(id);
        resolve(ready);
      };
      pongs.set(id, { expected: workers.length, ready: [], done: finish });
      for (const worker of workers) worker.send({ type: ping, id });
      if (workers.length === 0) finish({});
    });

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === pong) {
      const round = pongs.get(message.id);
      if (round === undefined) return;
      round.ready.push(typeof message.value === 'object' ? message.value : {});
      if (round.ready.length === round.expected) round.done(everywhere(round.ready));
      return;
    }
    if (message.type !== question) return;
    const work = message.topic === 'metrics' ? aggregator.clusterMetrics() : everyWorkerReady();
    work.then(
      (value) => worker.send({ type: answer, id: message.id, value }),
      (error: Error) => worker.send({ type: answer, id: message.id, error: error.message }),
    );
  });
}

/** Each namespace's availability in every one of `answers`: available only where all of them say so. */
function everywhere(answers: readonly Availability[]): Availability {
  const names = new Set(answers.flatMap((answer) => Object.keys(answer)));
  return Object.fromEntries([...names].map((name) => [name, answers.every((answer) => answer[name] === true)]));
}

/** In a worker: the view of the whole service, asked of the primary; also answers the primary's pings. */
export function clusterServiceView(registry: Registry, stores: ReadonlyMap<string, Storage>): ServiceView {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's listener that answers the primary's metrics collection.
  new AggregatorRegistry();
  const pending = new PendingAnswers<string | Availability>();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === ping) {
      availabilityOf(stores).then((ready) => process.send?.({ type: pong, id: message.id, value: ready }));
    } else if (message.type === answer) {
      const value = message.value ?? new Error(`the service could not answer: ${message.error}`);
      pending.settle(message.id, value);
    }
  });
  const ask = (topic: Topic) => pending.ask((id) => process.send?.({ type: question, id, topic }));
  return {
    metricsText: async () => String(await ask('metrics')),
    storageAvailability: async () => {
      const answer = await ask('ready').catch(() => undefined);
      return Object.fromEntries([...stores.keys()].map((name) => [name, typeof answer === 'object' && answer[name] === true]));
    },
  };
}
