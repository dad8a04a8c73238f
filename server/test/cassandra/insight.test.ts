import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServersStoppedAfterEach, untilStorageAnswers } from '../../../test-support/server-process.js';
import { cassandraTarget, configBlock } from './target.js';

// Insight on Cassandra, where telling a same-value rewrite costs a read before the write: insight.compare_rate
// says how many writes pay it.

const start = startServersStoppedAfterEach();
const target = cassandraTarget();
const secret = 'the secret of these tests, 32 bytes or more';
const secretDirectory = mkdtempSync(join(tmpdir(), 'kask-insight-'));
const secretFile = join(secretDirectory, 'insight.key');
writeFileSync(secretFile, secret);
afterAll(() => rmSync(secretDirectory, { recursive: true, force: true }));

async function serverComparing(rate: number) {
  const server = await start({
    workers: 1,
    cassandra: configBlock(target),
    insight: { secret_file: secretFile, compare_rate: rate },
  });
  await untilStorageAnswers(server);
  const send = (method: string, key: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}${encodeURIComponent(key)}`, { method, body, headers }).then((answer) => answer.status);
  const metric = async (name: string) => {
    const line = (await (await fetch(`${server.origin}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.slice(name.length + 1));
  };
  const insight = async () =>
    ((await (await fetch(`${server.origin}/insight`)).json()) as { namespaces: { default: { top_keys: unknown[] } } }).namespaces
      .default;
  return { send, metric, insight };
}

describe('insight on cassandra', () => {
  it('with compare_rate 1 every write is compared, and same-value rewrites are counted exactly', async () => {
    const { send, metric } = await serverComparing(1);
    const key = `my_wiki:MWSession:${randomUUID()}`;
    for (const value of ['a', 'a', 'a', 'b', 'a', 'a']) expect(await send('POST', key, value)).toBe(201);
    expect(await metric('kask_compared_writes_total{namespace="default"}')).toBe(6);
    expect(await metric('kask_same_value_writes_total{namespace="default"}')).toBe(3);
  });

  it('with compare_rate 0 no plain write is compared, but a conditional one is (it read the value anyway); the top key is found', async () => {
    const { send, metric, insight } = await serverComparing(0);
    const key = `my_wiki:MWSession:${randomUUID()}`;
    for (let i = 0; i < 5; i++) expect(await send('POST', key, 'same')).toBe(201);
    expect(await send('POST', key, 'same', { 'if-none-match': '"another"' })).toBe(201);
    expect(await send('POST', `my_wiki:MWSession:${randomUUID()}`, 'once')).toBe(201);
    expect(await metric('kask_compared_writes_total{namespace="default"}')).toBe(1);
    expect(await metric('kask_same_value_writes_total{namespace="default"}')).toBe(1);
    const keyHash = createHmac('sha256', secret).update(key).digest('hex').slice(0, 16);
    expect((await insight()).top_keys[0]).toEqual({ key_hash: keyHash, writes: 6 });
  });
});
