import { describe, expect, it } from 'vitest';
import { kaskError, keyPath, newKey, problemOf, type Response, send } from '../harness/http.js';
import { contractLimitedNamespaces, limitedClient, limitsServerOrigin, unlimitedClient } from '../harness/limits.js';
import { targetOf } from '../harness/target.js';

// A server of two workers whose namespaces each have one kind of rate limit (contract-tests/harness/limits.ts); every
// response is validated against the document. Requests go out at once, on as many connections, which both workers
// accept: a limit that held per worker would admit up to twice its burst.

const origin = limitsServerOrigin();
const targets = Object.fromEntries(
  Object.entries(contractLimitedNamespaces).map(([name, namespace]) => [name, targetOf(`${origin}${namespace.base_uri}`)]),
) as Record<keyof typeof contractLimitedNamespaces, ReturnType<typeof targetOf>>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `method` to `key` in a namespace as `client` (named by the trusted proxy's header). */
function as(client: string, method: string, namespace: keyof typeof targets, key: string, body?: string): Promise<Response> {
  const target = targets[namespace];
  return send(method, keyPath(key, target), {
    target,
    headers: { 'x-forwarded-client-cert': `Subject="CN=${client}"` },
    ...(body === undefined ? {} : { body }),
  });
}

/** `count` requests at once, each to a key of its own; their statuses, and the whole seconds they took (for refills). */
async function atOnce(
  count: number,
  request: (key: string) => Promise<Response>,
): Promise<{ responses: Response[]; seconds: number }> {
  const started = performance.now();
  const responses = await Promise.all(Array.from({ length: count }, (_, i) => request(newKey(`at-once-${i}`))));
  return { responses, seconds: Math.ceil((performance.now() - started) / 1000) };
}

const statusCount = (responses: readonly Response[], status: number) => responses.filter((r) => r.status === status).length;

/** A refusal as the document describes it: 429, the problem type, and a Retry-After of at least a second. */
function expectRefusal(response: Response, detail: string): void {
  expect(response.status).toBe(429);
  expect(problemOf(response)).toMatchObject({ type: kaskError('too_many_requests'), title: 'Too many requests', detail });
  expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

describe('rate limits, over two workers', () => {
  it("writes beyond a namespace's burst answer 429 with Retry-After, and the refused ones stored nothing", async () => {
    const burst = contractLimitedNamespaces.writes_capped.limits.writes.burst;
    const keys: string[] = [];
    const { responses, seconds } = await atOnce(2 * burst, (key) => {
      keys.push(key);
      return as(unlimitedClient, 'POST', 'writes_capped', key, 'v');
    });
    // At 1 a second, the bucket refills one token a second while the requests are answered.
    expect(statusCount(responses, 201)).toBeGreaterThanOrEqual(burst);
    expect(statusCount(responses, 201)).toBeLessThanOrEqual(burst + seconds);
    const refused = responses.findIndex((response) => response.status === 429);
    expectRefusal(responses[refused] as Response, 'The namespace admits no more writes for now');
    // Reads have a bucket of their own (none here): the refused key reads as absent.
    expect((await as(unlimitedClient, 'GET', 'writes_capped', keys[refused] as string)).status).toBe(404);
    // And DELETE takes no token: a session ends while writes are refused.
    const deletes = await Promise.all(keys.slice(0, 5).map((key) => as(unlimitedClient, 'DELETE', 'writes_capped', key)));
    expect(deletes.map((response) => response.status)).toEqual([204, 204, 204, 204, 204]);
  });

  it("reads beyond a namespace's burst answer 429, GET and HEAD alike, and writes there are still admitted", async () => {
    const burst = contractLimitedNamespaces.reads_capped.limits.reads.burst;
    const { responses, seconds } = await atOnce(2 * burst, (key) => as(unlimitedClient, 'GET', 'reads_capped', key));
    expect(statusCount(responses, 404)).toBeGreaterThanOrEqual(burst);
    expect(statusCount(responses, 404)).toBeLessThanOrEqual(burst + seconds);
    expectRefusal(
      responses.find((response) => response.status === 429) as Response,
      'The namespace admits no more reads for now',
    );
    const head = await as(unlimitedClient, 'HEAD', 'reads_capped', newKey('head'));
    expect([head.status, head.body.length]).toEqual([429, 0]);
    expect((await as(unlimitedClient, 'POST', 'reads_capped', newKey('write'), 'v')).status).toBe(201);
  });

  it('a client over its own rate in a namespace gets 429; another client there is admitted', async () => {
    const { burst } = contractLimitedNamespaces.per_client.limits.clients[limitedClient].writes;
    const { responses, seconds } = await atOnce(2 * burst, (key) => as(limitedClient, 'POST', 'per_client', key, 'v'));
    expect(statusCount(responses, 201)).toBeGreaterThanOrEqual(burst);
    expect(statusCount(responses, 201)).toBeLessThanOrEqual(burst + seconds);
    expectRefusal(
      responses.find((response) => response.status === 429) as Response,
      'This client is admitted no more writes in the namespace for now',
    );
    const others = await atOnce(2 * burst, (key) => as(unlimitedClient, 'POST', 'per_client', key, 'v'));
    expect(others.responses.map((response) => response.status)).toEqual(others.responses.map(() => 201));
  });

  it('a key written twice within a second answers 429 without naming the key; after Retry-After, and for DELETE, it is admitted', async () => {
    const key = newKey('per-key');
    const writes = await Promise.all(['first', 'second'].map((value) => as(unlimitedClient, 'POST', 'per_key', key, value)));
    expect(writes.map((response) => response.status).sort()).toEqual([201, 429]);
    const refused = writes.find((response) => response.status === 429) as Response;
    expectRefusal(refused, 'The key is written more often than the namespace admits (1 a second)');
    expect(String(problemOf(refused).detail)).not.toContain(key);
    expect((await as(unlimitedClient, 'POST', 'per_key', newKey('another'), 'v')).status).toBe(201);
    expect((await as(unlimitedClient, 'DELETE', 'per_key', key)).status).toBe(204);
    await sleep(Number(refused.headers['retry-after']) * 1000);
    expect((await as(unlimitedClient, 'PUT', 'per_key', key, 'third')).status).toBe(201);
  });

  it('/metrics counts each refusal by namespace, client and limit, summed over the workers', async () => {
    const counted = async () => {
      const metrics = (await send('GET', '/metrics', { target: targets.per_key })).body.toString();
      const line = /kask_rate_limited_total\{client="limited-client",namespace="per_key",limit="key_writes"\} (\d+)/.exec(
        metrics,
      );
      return Number(line?.[1] ?? 0);
    };
    const before = await counted();
    const key = newKey('counted');
    const writes = await Promise.all(
      ['first', 'second', 'third'].map((value) => as(limitedClient, 'POST', 'per_key', key, value)),
    );
    expect(statusCount(writes, 429)).toBe(2);
    expect(await counted()).toBe(before + 2);
  });
});
