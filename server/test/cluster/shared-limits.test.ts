import { describe, expect, it } from 'vitest';
import { childPids } from '../../../test-support/child-process.js';
import { startServersStoppedAfterEach } from '../../../test-support/server-process.js';
import { oneShot, throughWorker } from '../../../test-support/workers.js';

const start = startServersStoppedAfterEach();

/** The statuses of `count` POSTs sent at once, to keys `label-0`, `label-1`... (or all to `label` with `sameKey`). */
async function posts(baseUrl: string, label: string, count: number, sameKey = false): Promise<number[]> {
  const answers = Array.from({ length: count }, (_, i) =>
    oneShot(`${baseUrl}${sameKey ? label : `${label}-${i}`}`, { method: 'POST', body: 'v' }),
  );
  return (await Promise.all(answers)).map((answer) => answer.status);
}

const admitted = (statuses: number[]) => statuses.filter((status) => status === 201).length;

describe('rate limits with workers', () => {
  it("a namespace's burst is the whole service's: what one worker admitted, the other does not admit again", async () => {
    const server = await start({ workers: 2, limits: { writes: { per_second: 1, burst: 10 } } });
    const [first, second] = childPids(server.child.pid as number) as [number, number];
    const started = performance.now();
    expect(admitted(await throughWorker(server, first, () => posts(server.baseUrl, 'first', 10)))).toBe(10);
    const throughSecond = await throughWorker(server, second, () => posts(server.baseUrl, 'second', 10));
    // Divided or per worker, the second worker would admit some or all of its ten; shared, only what a second refills.
    const refilled = Math.ceil((performance.now() - started) / 1000);
    expect(admitted(throughSecond)).toBeLessThanOrEqual(refilled);
    expect(throughSecond.filter((status) => status === 429).length).toBeGreaterThanOrEqual(10 - refilled);
    const metrics = await (await oneShot(`${server.origin}/metrics`)).text();
    const refused = Number(
      /kask_rate_limited_total\{client="anonymous",namespace="default",limit="namespace_writes"\} (\d+)/.exec(metrics)?.[1],
    );
    expect(refused).toBe(10 - admitted(throughSecond));
  });

  it('a key written through one worker is capped through the other', async () => {
    const server = await start({ workers: 2, limits: { key_writes_per_second: 1 } });
    const [first, second] = childPids(server.child.pid as number) as [number, number];
    const started = performance.now();
    expect(await throughWorker(server, first, () => posts(server.baseUrl, 'one-key', 1, true))).toEqual([201]);
    const again = await throughWorker(server, second, () => posts(server.baseUrl, 'one-key', 1, true));
    expect(performance.now() - started, 'both writes within the second the cap counts').toBeLessThan(1000);
    expect(again).toEqual([429]);
    expect(await throughWorker(server, second, () => posts(server.baseUrl, 'another-key', 1, true))).toEqual([201]);
  });

  it('a worker whose primary does not answer admits its requests after a second, and says so in the log', async () => {
    const server = await start({ workers: 2, limits: { writes: { per_second: 1, burst: 1 } } });
    expect(await posts(server.baseUrl, 'before', 1)).toEqual([201]);
    process.kill(server.child.pid as number, 'SIGSTOP');
    try {
      const started = performance.now();
      expect(await posts(server.baseUrl, 'unchecked', 3)).toEqual([201, 201, 201]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    } finally {
      process.kill(server.child.pid as number, 'SIGCONT');
    }
    expect(server.output()).toContain('"msg":"rate limits not checked: the primary did not answer in time"');
  });
});
