import { Agent, request } from 'node:http';
import type { OperationKind, Outcome, RecordedOperation } from './history.js';
import type { SeededRandom } from './random.js';

/** The operations the clients issue on each group of keys, with their weights, and the TTLs of the TTL keys. */
export interface Workload {
  readonly linearizableKeys: number;
  readonly plainKeys: number;
  readonly ttlKeys: number;
  /** On the linearizable keys; `cas` and `cad` fall back to `get` while a client knows no value of the key. */
  readonly linearizableOps: Readonly<Partial<Record<OperationKind, number>>>;
  /** On the plain keys: blind writes, deletes and reads. */
  readonly plainOps: Readonly<Partial<Record<'get' | 'post' | 'delete' | 'patch', number>>>;
  /** Of every operation, the share on the TTL keys (a post with a short max-age, or a get). */
  readonly ttlShare: number;
  readonly ttlSeconds: readonly [number, number];
}

/** Every operation of the API on the linearizable keys: for a store that promises them all linearizable. */
export const everyOperation: Workload = {
  linearizableKeys: 3,
  plainKeys: 3,
  ttlKeys: 2,
  linearizableOps: { get: 30, post: 12, put: 10, cas: 18, delete: 6, cad: 12, patch: 6 },
  plainOps: { get: 45, post: 35, delete: 12, patch: 8 },
  ttlShare: 0.08,
  ttlSeconds: [1, 3],
};

/**
 * For Cassandra: its conditional operations (lightweight transactions at LOCAL_SERIAL) and reads on the linearizable
 * keys, as the README tells clients to use them (a key written with PUT or If-Match is deleted with If-Match only);
 * plain writes on the plain keys.
 * NOTE: no PATCH on the plain keys: a PATCH (a lightweight transaction) racing a plain POST or DELETE undid it
 * (docs/clients/guarantees.md), a known anomaly that this workload does not repeat in every run.
 */
export const conditionalOperations: Workload = {
  ...everyOperation,
  linearizableOps: { get: 30, put: 20, cas: 30, cad: 14, patch: 6 },
  plainOps: { get: 50, post: 38, delete: 12 },
};

/**
 * Conditional operations without PATCH, for clients in two data centres: a PATCH writes back the value its data centre
 * has, so one sent where another data centre's newer write has not arrived yet undoes it (docs/clients/guarantees.md),
 * a known anomaly that this workload does not repeat in every run.
 */
export const acrossDataCentres: Workload = { ...conditionalOperations, linearizableOps: { get: 30, put: 20, cas: 30, cad: 14 } };

/** Conditional operations on the linearizable keys, and PATCH among the plain writes: the anomaly's workload. */
export const patchOnPlainKeys: Workload = { ...conditionalOperations, plainOps: { get: 40, post: 30, delete: 15, patch: 15 } };

/** How long a client waits for an answer before its outcome is unknown, unless the run says otherwise. */
export const defaultAnswerTimeoutMs = 2_000;
/** PATCH's TTL: long enough that no value of a run expires through it. */
const patchTtlSeconds = 3_600;

/** The key names of a run, by group. */
export interface Keys {
  readonly linearizable: readonly string[];
  readonly plain: readonly string[];
  readonly ttl: readonly string[];
}

/** The keys of `workload`, each prefixed with `tag` (so that runs sharing a store never share a key). */
export function keysOf(workload: Workload, tag: string): Keys {
  const named = (group: string, count: number) => Array.from({ length: count }, (_, i) => `${tag}-${group}-${i}`);
  return {
    linearizable: named('lin', workload.linearizableKeys),
    plain: named('plain', workload.plainKeys),
    ttl: named('ttl', workload.ttlKeys),
  };
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly etag: string | undefined;
  readonly kaskTtl: number | undefined;
}

/** An exchange that failed before any answer: `failed` when nothing was sent (refused), else `unknown`. */
class NoAnswer extends Error {
  constructor(
    readonly outcome: Outcome,
    readonly code: string,
  ) {
    super(code);
  }
}

function exchange(
  answerTimeoutMs: number,
  agent: Agent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const kaskTtl = response.headers['kask-ttl'];
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          etag: response.headers.etag,
          kaskTtl: typeof kaskTtl === 'string' ? Number(kaskTtl) : undefined,
        });
      });
      response.on('error', (error: NodeJS.ErrnoException) => reject(new NoAnswer('unknown', error.code ?? error.message)));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error instanceof NoAnswer
          ? error
          : new NoAnswer(error.code === 'ECONNREFUSED' ? 'failed' : 'unknown', error.code ?? 'error'),
      ),
    );
    outgoing.setTimeout(answerTimeoutMs, () => outgoing.destroy(new NoAnswer('unknown', 'timeout')));
    outgoing.end(body);
  });
}

/** What each operation's statuses mean: the status of success, and the one of a refused precondition. */
const statuses: Readonly<Record<OperationKind, { readonly ok: readonly number[]; readonly refused?: number }>> = {
  get: { ok: [200, 404] },
  post: { ok: [201] },
  put: { ok: [201], refused: 409 },
  cas: { ok: [201], refused: 412 },
  delete: { ok: [204] },
  cad: { ok: [204], refused: 412 },
  patch: { ok: [204, 404] },
};

const methods: Readonly<Record<OperationKind, string>> = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  cas: 'POST',
  delete: 'DELETE',
  cad: 'DELETE',
  patch: 'PATCH',
};

/** A kask-ts server the clients send to: its session base URL and its data centre. */
export interface Endpoint {
  readonly baseUrl: string;
  readonly dc: string;
}

/** What a run's clients share: where they send, the clock, and the record. */
export interface RecordingTarget {
  /** Each client sends to one of these servers (client i to the (i mod n)th). */
  readonly endpoints: readonly Endpoint[];
  readonly now: () => number;
  readonly operations: RecordedOperation[];
  /** How long a client waits for an answer before its outcome is unknown. */
  readonly answerTimeoutMs: number;
}

/** One client: issues operations one after another until `stopped()`, recording each. */
export async function runClient(
  client: number,
  target: RecordingTarget,
  workload: Workload,
  keys: Keys,
  random: SeededRandom,
  stopped: () => boolean,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { baseUrl, dc } = target.endpoints[client % target.endpoints.length] as Endpoint;
  // The last value (and its ETag) this client saw of each key: what its If-Match names.
  const known = new Map<string, { value: string; etag: string }>();
  let written = 0;
  try {
    while (!stopped()) {
      const onTtlKey = random.next() < workload.ttlShare;
      const key = random.pick(onTtlKey ? keys.ttl : random.next() < 0.5 ? keys.linearizable : keys.plain);
      let op: OperationKind = onTtlKey
        ? random.weighted({ get: 1, post: 1 })
        : keys.linearizable.includes(key)
          ? random.weighted(workload.linearizableOps as Record<OperationKind, number>)
          : random.weighted(workload.plainOps as Record<OperationKind, number>);
      const seen = known.get(key);
      if ((op === 'cas' || op === 'cad') && seen === undefined) op = 'get';
      const value = op === 'post' || op === 'put' || op === 'cas' ? `c${client}-${written++}` : undefined;
      const ttlSeconds =
        onTtlKey && op === 'post' ? random.between(...workload.ttlSeconds) : op === 'patch' ? patchTtlSeconds : undefined;
      const headers: Record<string, string> = {};
      if (ttlSeconds !== undefined) headers['cache-control'] = `max-age=${ttlSeconds}`;
      const expected = op === 'cas' || op === 'cad' ? seen : undefined;
      if (expected !== undefined) headers['if-match'] = expected.etag;
      const invokeUs = target.now();
      const base = {
        client,
        dc,
        key,
        op,
        invokeUs,
        ...(value === undefined ? {} : { value }),
        ...(expected === undefined ? {} : { expected: expected.value }),
        ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
      };
      try {
        const answer = await exchange(
          target.answerTimeoutMs,
          agent,
          new URL(encodeURIComponent(key), baseUrl),
          methods[op],
          headers,
          value,
        );
        const completeUs = target.now();
        const meaning = statuses[op];
        const outcome: Outcome = meaning.ok.includes(answer.status)
          ? 'ok'
          : answer.status === meaning.refused
            ? 'refused'
            : 'unknown';
        const read = op === 'get' && outcome === 'ok' ? (answer.status === 200 ? answer.body : null) : undefined;
        target.operations.push({
          ...base,
          completeUs,
          outcome,
          status: answer.status,
          ...(read === undefined ? {} : { read }),
          ...(op === 'patch' && outcome === 'ok' ? { present: answer.status === 204 } : {}),
          ...(answer.etag === undefined ? {} : { etag: answer.etag }),
          ...(answer.kaskTtl === undefined ? {} : { kaskTtl: answer.kaskTtl }),
          ...(outcome === 'unknown' ? { error: `status ${answer.status}` } : {}),
        });
        if (read !== undefined && read !== null && answer.etag !== undefined) known.set(key, { value: read, etag: answer.etag });
        if (value !== undefined && outcome === 'ok' && answer.etag !== undefined) known.set(key, { value, etag: answer.etag });
      } catch (error) {
        const noAnswer = error instanceof NoAnswer ? error : new NoAnswer('unknown', String(error));
        target.operations.push({ ...base, completeUs: target.now(), outcome: noAnswer.outcome, error: noAnswer.code });
        // A refused connection (a server restarting) is retried after a pause, not in a tight loop.
        if (noAnswer.outcome === 'failed') await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    agent.destroy();
  }
}
