import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';

/**
 * The value written under `key`: derived from the key alone (so a read can be checked without
 * remembering it), 1 to 64 KiB long so that a write spans several pages and a torn one would show.
 */
export function expectedValueOf(key: string): Buffer {
  const seed = createHash('sha256').update(key).digest();
  const length = 1 + (seed.readUInt32BE(0) % 65536);
  const blocks: Buffer[] = [];
  for (let block = seed, size = 0; size < length; size += block.length) {
    blocks.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const exchangeTimeoutMs = 10_000;

/** An exchange that got no answer in time (neither a response nor a socket error). */
export class ExchangeTimeout extends Error {}

/** One HTTP exchange; rejects on a socket error (the server was killed) or after 10 s without an answer. */
export function exchange(
  agent: Agent,
  origin: string,
  method: string,
  path: string,
  body?: Buffer,
): Promise<{ status: number; body: Buffer }> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const outgoing = request({ agent, host: url.hostname, port: url.port, path: url.pathname, method }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    // A request the server never answers fails the exchange instead of hanging the test.
    outgoing.setTimeout(exchangeTimeoutMs, () => outgoing.destroy(new ExchangeTimeout(`${method} got no answer`)));
    outgoing.end(body);
  });
}

/** What concurrent writers saw: keys answered 201, and keys sent whose answer never came. */
export interface WriteOutcome {
  readonly acknowledged: string[];
  readonly unanswered: string[];
  /** Writes that got neither an answer nor a socket error within the exchange timeout. */
  readonly hung: string[];
}

/**
 * Runs `connections` writers, each POSTing new keys one after the other, until `stop` resolves or their
 * connection fails (at most `maxWritesEach` each); calls `onFirstAcknowledged` at the first 201.
 */
export async function writeUntilStopped(
  origin: string,
  basePath: string,
  label: string,
  connections: number,
  stop: Promise<void>,
  onFirstAcknowledged: () => void,
  maxWritesEach = 5000,
): Promise<WriteOutcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const outcome: WriteOutcome = { acknowledged: [], unanswered: [], hung: [] };
  let stopped = false;
  void stop.then(() => {
    stopped = true;
  });
  const writer = async (writerId: number) => {
    for (let i = 0; i < maxWritesEach && !stopped; i++) {
      const key = `${label}:${writerId}:${i}`;
      let status: number;
      try {
        ({ status } = await exchange(agent, origin, 'POST', `${basePath}${encodeURIComponent(key)}`, expectedValueOf(key)));
      } catch (error) {
        // No answer: the connection failed (its process was killed) or hung.
        outcome.unanswered.push(key);
        if (error instanceof ExchangeTimeout) outcome.hung.push(key);
        return;
      }
      // An answer other than 201 fails the test.
      if (status !== 201) throw new Error(`POST ${key} answered ${status}`);
      if (outcome.acknowledged.push(key) === 1) onFirstAcknowledged();
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, id) => writer(id)));
  agent.destroy();
  return outcome;
}
