import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listeningAppsClosedAfterEach } from '../support/listening-app.js';

const listen = listeningAppsClosedAfterEach();
const secret = 'a secret of 32 bytes or more, for these tests';
const secretDirectory = mkdtempSync(join(tmpdir(), 'kask-insight-'));
const secretFile = join(secretDirectory, 'insight.key');
writeFileSync(secretFile, `${secret}\n`);
afterAll(() => rmSync(secretDirectory, { recursive: true, force: true }));

const hashOf = (key: string) => createHmac('sha256', secret).update(key).digest('hex').slice(0, 16);

/** A server on the embedded store, with insight's secret unless `insight` says otherwise; sends requests to it. */
async function server(insight: Record<string, unknown> = { secret_file: secretFile }) {
  const port = await listen({ insight });
  const origin = `http://127.0.0.1:${port}`;
  return {
    send: (method: string, key: string, body?: string, headers: Record<string, string> = {}) =>
      fetch(`${origin}/sessions/v1/${encodeURIComponent(key)}`, { method, body, headers }),
    text: async (path: string) => (await fetch(`${origin}${path}`)).text(),
    status: async (path: string, method = 'GET') => (await fetch(`${origin}${path}`, { method })).status,
    insight: async () =>
      ((await (await fetch(`${origin}/insight`)).json()) as { namespaces: { default: unknown } }).namespaces.default,
  };
}

/** The value of the metric line `name` (with its labels) in `metrics`. */
function metricValue(metrics: string, name: string): number {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.slice(name.length + 1));
}

describe('insight on the embedded store', () => {
  it('the top key of a skewed workload is found by its keyed hash, with exact counts while the keys fit', async () => {
    const { send, insight, text } = await server({ secret_file: secretFile, top_keys: 3 });
    for (let i = 0; i < 40; i++) await send('POST', 'my_wiki:MWSession:hot', `v${i % 2}`);
    for (const warm of ['a', 'b', 'c']) for (let i = 0; i < 5; i++) await send('POST', `my_wiki:MWSession:warm-${warm}`, 'w');
    for (let i = 0; i < 100; i++) await send('POST', `my_wiki:MWSession:cold-${i}`, 'c');
    expect(await insight()).toEqual({
      writes: 155,
      keys_by_writes: { '1': 100, '2-5': 3, '6-20': 0, '21+': 1 },
      keys_sampled_one_in: 1,
      top_keys: [
        { key_hash: hashOf('my_wiki:MWSession:hot'), writes: 40 },
        ...['a', 'b', 'c']
          .map((warm) => ({ key_hash: hashOf(`my_wiki:MWSession:warm-${warm}`), writes: 5 }))
          .sort((x, y) => (x.key_hash < y.key_hash ? -1 : 1))
          .slice(0, 2),
      ],
      top_keys_error_bound: 0,
    });
    const metrics = await text('/metrics');
    expect(metricValue(metrics, 'kask_written_keys{namespace="default",writes="1"}')).toBe(100);
    expect(metricValue(metrics, 'kask_written_keys{namespace="default",writes="21+"}')).toBe(1);
  });

  it('same-value rewrites are counted exactly: plain and conditional POSTs compared, PUTs new, failures and touches not writes', async () => {
    const { send, text } = await server();
    const key = 'my_wiki:MWSession:rewritten';
    expect((await send('POST', key, 'first')).status).toBe(201);
    expect((await send('POST', key, 'first')).status).toBe(201);
    expect((await send('POST', key, 'first')).status).toBe(201);
    expect((await send('POST', key, 'second')).status).toBe(201);
    const etag = (await send('GET', key)).headers.get('etag') as string;
    expect((await send('POST', key, 'second', { 'if-match': etag })).status).toBe(201);
    expect((await send('POST', key, 'third', { 'if-match': etag })).status).toBe(201);
    expect((await send('PUT', 'my_wiki:MWSession:created', 'new')).status).toBe(201);
    expect((await send('PUT', 'my_wiki:MWSession:created', 'new')).status).toBe(409);
    expect((await send('PATCH', key, undefined, { 'cache-control': 'max-age=60' })).status).toBe(204);
    expect((await send('POST', key, '')).status).toBe(400);
    const metrics = await text('/metrics');
    expect(metricValue(metrics, 'kask_compared_writes_total{namespace="default"}')).toBe(7);
    expect(metricValue(metrics, 'kask_same_value_writes_total{namespace="default"}')).toBe(3);
    expect(metricValue(metrics, 'kask_written_value_bytes_count{namespace="default"}')).toBe(7);
    expect(metricValue(metrics, 'kask_written_value_bytes_sum{namespace="default"}')).toBe(5 * 3 + 6 * 2 + 5 + 3);
    expect(metricValue(metrics, 'kask_written_value_bytes_bucket{le="64",namespace="default"}')).toBe(7);
  });

  it('without insight.secret_file /insight answers 404 (405 to other methods) and no key is followed; sizes and rewrites are still counted', async () => {
    const { send, text, status } = await server({});
    await send('POST', 'my_wiki:MWSession:k', 'v');
    await send('POST', 'my_wiki:MWSession:k', 'v');
    expect(await status('/insight')).toBe(404);
    expect(await status('/insight', 'POST')).toBe(405);
    const metrics = await text('/metrics');
    expect(metrics).not.toContain('kask_written_keys');
    expect(metricValue(metrics, 'kask_same_value_writes_total{namespace="default"}')).toBe(1);
  });
});
