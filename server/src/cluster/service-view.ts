import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { type KeyWrites, type KeyWritesReport, mergeKeyWrites } from '../insight/key-writes.js';
import { writtenKeysText } from '../metrics/written-keys.js';
import type { Quota } from '../storage/backend.js';
import { quotaShares } from '../storage/census.js';
import { failureReason, type Storage } from '../storage/storage.js';

/**
 * What /metrics, /healthz, /readyz and /insight report: the state of the whole service. In one process that is the
 * process itself; with workers, the request lands on one worker, which asks the primary, which asks
 * every worker that listens (its metrics, summed as prom-client's cluster aggregation sums them, whether its
 * storage answers, and its key writes, merged).
 */
export interface ServiceView {
  /** Prometheus text, summed over every worker (kask_written_keys: from the merged key writes). */
  metricsText(): Promise<string>;
  /**
   * Whether each namespace's storage answers in every worker, or why not, which refuse writes for want of space or
   * by a quota in any worker, and which are above readyz_max_used_share, and why, by namespace name.
   */
  storageAvailability(): Promise<StorageState>;
  /** Each namespace's key writes over the window, merged over every worker; empty when no key is followed. */
  keyWrites(): Promise<KeyWritesReport>;
}

/** What this process follows of each namespace's key writes, by namespace name (none without insight's secret). */
export type FollowedKeyWrites = ReadonlyMap<string, KeyWrites>;

/** Each namespace's storage: `true` when it answers, else why it does not (no key, value or secret), by namespace name. */
export type Availability = Readonly<Record<string, true | string>>;

/**
 * The state of the namespaces' storage: whether each answers, why those that refuse writes for want of space or by a
 * quota do, and why those above readyz_max_used_share are not ready although they answer.
 */
export interface StorageState {
  readonly available: Availability;
  /** Why writes are refused, by the name of each namespace whose storage refuses them; the others are absent. */
  readonly full: Readonly<Record<string, string>>;
  /** Why each namespace above readyz_max_used_share is not ready (a growth alarm, not an outage); the others are absent. */
  readonly alarms: Readonly<Record<string, string>>;
}

/** Why a namespace's storage is unavailable when the processes that would know did not say. */
const unanswered = 'the processes of the service did not answer in time';

async function answers(storage: Storage): Promise<true | string> {
  try {
    await storage.ping();
    return true;
  } catch (error) {
    return failureReason(error);
  }
}

/**
 * When a namespace is not ready for what it holds: above `maxUsedShare` of one of its `quotas` or of its store's
 * filesystem (`readyz_max_used_share`; 0: never).
 */
export interface UsageLimit {
  readonly maxUsedShare: number;
  readonly quotas: ReadonlyMap<string, Quota>;
}

/** Why `storage` is not ready for what it holds, or undefined when it is within `limit`. */
async function alarmOf(name: string, storage: Storage, limit: UsageLimit): Promise<string | undefined> {
  if (limit.maxUsedShare === 0) return undefined;
  const census = await storage.census().catch(() => undefined);
  if (census === undefined) return undefined;
  const shares: Record<string, number> = { ...quotaShares(census, limit.quotas.get(name) ?? noQuota) };
  if (census.filesystem !== undefined && census.filesystem.sizeBytes > 0) {
    shares.filesystem = 1 - census.filesystem.freeBytes / census.filesystem.sizeBytes;
  }
  const over = Object.entries(shares).find(([, share]) => share > limit.maxUsedShare);
  if (over === undefined) return undefined;
  const [what, share] = over;
  const of = what === 'filesystem' ? 'its filesystem' : `its quota ${what}`;
  return `it uses ${Math.round(share * 100)} % of ${of}, above readyz_max_used_share (${limit.maxUsedShare})`;
}

const noQuota: Quota = { maxBytes: undefined, maxKeys: undefined };

async function stateOf(stores: ReadonlyMap<string, Storage>, limit: UsageLimit): Promise<StorageState> {
  const names = [...stores.keys()];
  const [available, alarms] = await Promise.all([
    Promise.all([...stores.values()].map(answers)),
    Promise.all([...stores].map(([name, storage]) => alarmOf(name, storage, limit))),
  ]);
  const full = [...stores].flatMap(([name, store]) => {
    const reason = store.refusingWrites();
    return reason === undefined ? [] : [[name, reason]];
  });
  return {
    available: Object.fromEntries(names.map((name, i) => [name, available[i] ?? unanswered])),
    full: Object.fromEntries(full),
    alarms: Object.fromEntries(names.flatMap((name, i) => (alarms[i] === undefined ? [] : [[name, alarms[i]]]))),
  };
}

function reportOf(followed: FollowedKeyWrites): KeyWritesReport {
  return Object.fromEntries([...followed].map(([name, keyWrites]) => [name, keyWrites.summary()]));
}

/** The key writes the workers reported as one, namespace by namespace. */
function merged(reports: readonly KeyWritesReport[]): KeyWritesReport {
  const names = new Set(reports.flatMap((report) => Object.keys(report)));
  return Object.fromEntries([...names].map((name) => [name, mergeKeyWrites(reports.flatMap((report) => report[name] ?? []))]));
}

/** The view of a service that is this one process. */
export function localServiceView(
  registry: Registry,
  stores: ReadonlyMap<string, Storage>,
  followed: FollowedKeyWrites,
  limit: UsageLimit,
): ServiceView {
  return {
    metricsText: async () => (await registry.metrics()) + (await writtenKeysText(reportOf(followed))),
    storageAvailability: () => stateOf(stores, limit),
    keyWrites: async () => reportOf(followed),
  };
}

const question = 'kask:question';
const answer = 'kask:answer';
const ping = 'kask:ping';
const pong = 'kask:pong';
const answerDeadlineMs = 5000;

type Topic = 'metrics' | 'ready' | 'keyWrites';

/** A worker's own part of an answer: its metrics, its storage's availability, or its key writes. */
type Report = MetricObjectWithValues<MetricValue<string>>[] | StorageState | KeyWritesReport;

/** What the primary answers a worker's question with. */
type Answer = string | StorageState | KeyWritesReport;

interface Message {
  readonly type: string;
  readonly id: number;
  readonly topic?: Topic;
  readonly value?: Answer | Report;
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

/**
 * In the primary: answers the workers' questions about the whole service, asking the workers `isServing` says listen;
 * whether it is ready, only those `samePort` says serve the asking worker's port: a port's readiness is its own, and
 * a hung process of another port must not take it out of its load balancer.
 */
export function answerServiceQuestions(
  isServing: (worker: Worker) => boolean,
  samePort: (one: Worker, other: Worker) => boolean,
): void {
  // NOTE: only the workers that listen are asked. One still starting (at start-up, or replacing one that died)
  // has no handler for the question yet, and waiting for it left every answer to the deadline while the others
  // served: 5 s, then /readyz 503 naming a storage that answers and /metrics 500.
  const rounds = new Map<number, { waiting: Set<number>; reports: Report[]; done: (reports?: Report[]) => void }>();
  let nextRound = 0;
  // A worker that dies is waited for no longer: the living ones answer (a hung worker killed, say).
  cluster.on('exit', (worker) => {
    for (const round of rounds.values())
      if (round.waiting.delete(worker.id) && round.waiting.size === 0) round.done(round.reports);
  });

  // Every serving worker's report on `topic` (of those `among` admits); none when one does not answer in time.
  const askEveryWorker = (topic: Topic, among: (worker: Worker) => boolean = () => true) =>
    new Promise<Report[] | undefined>((resolve) => {
      const workers = Object.values(cluster.workers ?? {}).filter(
        (worker): worker is Worker => worker !== undefined && isServing(worker) && worker.isConnected() && among(worker),
      );
      const id = nextRound++;
      const timer = setTimeout(() => finish(undefined), answerDeadlineMs);
      const finish = (reports?: Report[]) => {
        clearTimeout(timer);
        rounds.delete(id);
        resolve(reports);
      };
      rounds.set(id, { waiting: new Set(workers.map((worker) => worker.id)), reports: [], done: finish });
      for (const worker of workers) worker.send({ type: ping, id, topic });
      if (workers.length === 0) finish([]);
    });

  const keyWrites = async () => {
    const reports = await askEveryWorker('keyWrites');
    if (reports === undefined) throw new Error('a worker did not report its key writes in time');
    return merged(reports as KeyWritesReport[]);
  };
  const metricsText = async () => {
    const [reports, written] = await Promise.all([askEveryWorker('metrics'), keyWrites()]);
    if (reports === undefined) throw new Error('a worker did not report its metrics in time');
    const summed = await AggregatorRegistry.aggregate(reports as MetricObjectWithValues<MetricValue<string>>[][]).metrics();
    return summed + (await writtenKeysText(written));
  };
  // A namespace is available when every worker found it so; no answer in time, or no worker: none is (an empty
  // answer, which each worker reads as unanswered for every namespace).
  const everyWorkerReady = async (asker: Worker): Promise<StorageState> => {
    const reports = await askEveryWorker('ready', (worker) => samePort(asker, worker));
    return reports === undefined ? { available: {}, full: {}, alarms: {} } : everywhere(reports as StorageState[]);
  };

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === pong) {
      const round = rounds.get(message.id);
      if (round === undefined || !round.waiting.delete(worker.id)) return;
      round.reports.push((message.value ?? {}) as Report);
      if (round.waiting.size === 0) round.done(round.reports);
      return;
    }
    if (message.type !== question) return;
    const answers: Record<Topic, () => Promise<Answer>> = {
      metrics: metricsText,
      ready: () => everyWorkerReady(worker),
      keyWrites,
    };
    const work = answers[message.topic ?? 'ready']();
    work.then(
      (value) => worker.send({ type: answer, id: message.id, value }),
      (error: Error) => worker.send({ type: answer, id: message.id, error: error.message }),
    );
  });
}

/**
 * Each namespace's state in every one of `answers` that names it (the workers of its port): available only where all
 * of them say so, else the first reason given; full, or above its limit, where any of them says so.
 */
function everywhere(answers: readonly StorageState[]): StorageState {
  const names = new Set(answers.flatMap((answer) => Object.keys(answer.available)));
  const state = (name: string) =>
    answers.map((answer) => answer.available[name]).find((one) => one !== undefined && one !== true) ?? true;
  return {
    available: Object.fromEntries([...names].map((name) => [name, state(name)])),
    full: Object.assign({}, ...answers.map((answer) => answer.full).reverse()),
    alarms: Object.assign({}, ...answers.map((answer) => answer.alarms).reverse()),
  };
}

/** In a worker: the view of the whole service, asked of the primary; also reports to the primary's pings. */
export function clusterServiceView(
  registry: Registry,
  stores: ReadonlyMap<string, Storage>,
  followed: FollowedKeyWrites,
  limit: UsageLimit,
): ServiceView {
  const pending = new PendingAnswers<Answer>();
  const reports: Record<Topic, () => Promise<Report>> = {
    metrics: () => registry.getMetricsAsJSON(),
    ready: () => stateOf(stores, limit),
    keyWrites: async () => reportOf(followed),
  };
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === ping) {
      reports[message.topic ?? 'ready']().then((value) => process.send?.({ type: pong, id: message.id, value }));
    } else if (message.type === answer) {
      const value = message.value ?? new Error(`the service could not answer: ${message.error}`);
      pending.settle(message.id, value as Answer);
    }
  });
  const ask = (topic: Topic) => pending.ask((id) => process.send?.({ type: question, id, topic }));
  return {
    metricsText: async () => String(await ask('metrics')),
    keyWrites: async () => (await ask('keyWrites')) as KeyWritesReport,
    storageAvailability: async () => {
      const answer = (await ask('ready').catch(() => undefined)) as StorageState | undefined;
      return {
        available: Object.fromEntries([...stores.keys()].map((name) => [name, answer?.available[name] || unanswered])),
        full: answer?.full ?? {},
        alarms: answer?.alarms ?? {},
      };
    },
  };
}
