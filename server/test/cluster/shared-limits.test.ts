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

  it('a worker spends the tokens the primary lent it without asking, and asks again once they are spent', async () => {
    // A burst of 160 over 2 workers: leases of 10.
    const server = await start({ workers: 2, limits: { reads: { per_second: 1, burst: 160 } } });
    const [first] = childPids(server.child.pid as number) as [number, number];
    const primary = server.child.pid as number;
    const statuses = await throughWorker(server, first, async () => {
      const answered = [(await oneShot(`${server.baseUrl}lent-0`)).status];
      process.kill(primary, 'SIGSTOP');
      try {
        const started = performance.now();
        for (let i = 1; i <= 10; i++) answered.push((await oneShot(`${server.baseUrl}lent-${i}`)).status);
        expect(performance.now() - started, 'ten reads on lent tokens, no round trip').toBeLessThan(900);
        const unlent = performance.now();
        answered.push((await oneShot(`${server.baseUrl}unlent`)).status);
        expect(performance.now() - unlent, 'the eleventh waits for the stopped primary').toBeGreaterThanOrEqual(1000);
      } finally {
        process.kill(primary, 'SIGCONT');
      }
      return answered;
    });
    expect(statuses).toEqual(statuses.map(() => 404));
  });

  it('tokens out on lease are bounded: over two workers, a burst admits at most one lease a worker more', async () => {
    const server = await start({ workers: 2, limits: { reads: { per_second: 1, burst: 160 } } });
    const [first, second] = childPids(server.child.pid as number) as [number, number];
    const reads = (label: string) =>
      Promise.all(Array.from({ length: 120 }, (_, i) => oneShot(`${server.baseUrl}${label}-${i}`))).then((answers) =>
        answers.filter((answer) => answer.status === 404),
      );
    const started = performance.now();
    const admittedCount =
      (await throughWorker(server, first, () => reads('first'))).length +
      (await throughWorker(server, second, () => reads('second'))).length;
    const refilled = Math.ceil((performance.now() - started) / 1000);
    expect(admittedCount).toBeLessThanOrEqual(160 + refilled + 2 * 10);
    expect(admittedCount).toBeGreaterThanOrEqual(160 - 2 * 10);
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
