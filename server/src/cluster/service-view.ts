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
  /** Whether the storage answers, in every worker. */
  storageAvailable(): Promise<boolean>;
}

async function answers(storage: Storage): Promise<boolean> {
  try {
    await storage.ping();
    return true;
  } catch {
    return false;
  }
}

/** The view of a service that is this one process. */
export function localServiceView(registry: Registry, storage: Storage): ServiceView {
  return { metricsText: () => registry.metrics(), storageAvailable: () => answers(storage) };
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
  readonly value?: string | boolean;
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
  const pongs = new Map<number, { expected: number; ready: boolean[]; done: (ready: boolean) => void }>();
  let nextPing = 0;

  const everyWorkerReady = () =>
    new Promise<boolean>((resolve) => {
      const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker?.isConnected() === true);
      const id = nextPing++;
      const timer = setTimeout(() => finish(false), answerDeadlineMs);
      const finish = (ready: boolean) => {
        clearTimeout(timer);
        pongs.delete(id);
        resolve(ready);
      };
      pongs.set(id, { expected: workers.length, ready: [], done: finish });
      for (const worker of workers) worker.send({ type: ping, id });
      if (workers.length === 0) finish(false);
    });

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === pong) {
      const round = pongs.get(message.id);
      if (round === undefined) return;
      round.ready.push(message.value === true);
      if (round.ready.length === round.expected) round.done(round.ready.every(Boolean));
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

/** In a worker: the view of the whole service, asked of the primary; also answers the primary's pings. */
export function clusterServiceView(registry: Registry, storage: Storage): ServiceView {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's listener that answers the primary's metrics collection.
  new AggregatorRegistry();
  const pending = new PendingAnswers<string | boolean>();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === ping) {
      answers(storage).then((ready) => process.send?.({ type: pong, id: message.id, value: ready }));
    } else if (message.type === answer) {
      const value = message.value ?? new Error(`the service could not answer: ${message.error}`);
      pending.settle(message.id, value);
    }
  });
  const ask = (topic: Topic) => pending.ask((id) => process.send?.({ type: question, id, topic }));
  return {
    metricsText: async () => String(await ask('metrics')),
    storageAvailable: async () => (await ask('ready').catch(() => false)) === true,
  };
}
