import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyPath, newKey, send } from '../harness/http.js';
import { contractInsightSecret, namespacedServer } from '../harness/namespaces.js';
import { targetOf } from '../harness/target.js';

// A server with two namespaces (contract-tests/harness/namespaces.ts): every response is validated against the
// document, whose one session route each namespace answers under its own base_uri.
const [sessions, echoseen] = namespacedServer().map((namespace) => ({ ...namespace, target: targetOf(namespace.baseUrl) }));
if (sessions === undefined || echoseen === undefined) throw new Error('two namespaces expected');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('namespaces', () => {
  it('a key written in one namespace is never visible in the other, whatever the method', async () => {
    const key = newKey('isolated');
    const inSessions = { target: sessions.target };
    const inEchoseen = { target: echoseen.target };
    expect((await send('POST', keyPath(key, sessions.target), { ...inSessions, body: 'session' })).status).toBe(201);
    expect((await send('GET', keyPath(key, echoseen.target), inEchoseen)).status).toBe(404);
    const touch = { ...inEchoseen, headers: { 'cache-control': 'max-age=2' } };
    expect((await send('PATCH', keyPath(key, echoseen.target), touch)).status).toBe(404);
    expect((await send('PUT', keyPath(key, echoseen.target), { ...inEchoseen, body: 'seen' })).status).toBe(201);
    expect((await send('DELETE', keyPath(key, echoseen.target), inEchoseen)).status).toBe(204);
    const read = await send('GET', keyPath(key, sessions.target), inSessions);
    expect(read.status).toBe(200);
    expect(read.body.toString()).toBe('session');
  });

  it('each namespace refuses keys over its own max_key_bytes (400) and accepts those within', async () => {
    const overEchoseen = 'k'.repeat(echoseen.maxKeyBytes + 1);
    expect((await send('GET', keyPath(overEchoseen, echoseen.target), { target: echoseen.target })).status).toBe(400);
    expect((await send('GET', keyPath(overEchoseen, sessions.target), { target: sessions.target })).status).toBe(404);
    const overSessions = 'k'.repeat(sessions.maxKeyBytes + 1);
    expect((await send('GET', keyPath(overSessions, sessions.target), { target: sessions.target })).status).toBe(400);
  });

  it('each namespace refuses values over its own max_value_bytes (413) and stores those within', async () => {
    const key = newKey('limits');
    const overEchoseen = Buffer.alloc(echoseen.maxValueBytes + 1, 'v');
    expect((await send('POST', keyPath(key, echoseen.target), { target: echoseen.target, body: overEchoseen })).status).toBe(413);
    expect((await send('POST', keyPath(key, sessions.target), { target: sessions.target, body: overEchoseen })).status).toBe(201);
    const within = Buffer.alloc(echoseen.maxValueBytes, 'v');
    expect((await send('POST', keyPath(key, echoseen.target), { target: echoseen.target, body: within })).status).toBe(201);
  });

  it(
    "each namespace's values expire after its own default_ttl, and a longer max-age is clamped to its own max_ttl",
    async () => {
      const key = newKey('ttl');
      const longer = { 'cache-control': `max-age=${echoseen.maxTtl * 100}` };
      await send('POST', keyPath(key, sessions.target), { target: sessions.target, body: 'lives a day' });
      await send('POST', keyPath(key, echoseen.target), { target: echoseen.target, body: 'short' });
      const clamped = newKey('ttl-clamped');
      await send('POST', keyPath(clamped, echoseen.target), { target: echoseen.target, body: 'clamped', headers: longer });
      expect((await send('GET', keyPath(clamped, echoseen.target), { target: echoseen.target })).status).toBe(200);
      await sleep(Math.max(echoseen.defaultTtl, echoseen.maxTtl) * 1000 + 1500);
      expect((await send('GET', keyPath(key, echoseen.target), { target: echoseen.target })).status).toBe(404);
      expect((await send('GET', keyPath(clamped, echoseen.target), { target: echoseen.target })).status).toBe(404);
      expect((await send('GET', keyPath(key, sessions.target), { target: sessions.target })).status).toBe(200);
    },
    Math.max(echoseen.defaultTtl, echoseen.maxTtl) * 1000 + 15000,
  );

  it('/metrics counts requests by namespace; /healthz and /readyz report every namespace', async () => {
    await send('GET', keyPath(newKey('metrics'), echoseen.target), { target: echoseen.target });
    const metrics = await send('GET', '/metrics', { target: sessions.target });
    expect(metrics.body.toString()).toMatch(/http_requests_total\{namespace="echoseen",code="404",method="GET"\} \d+/);
    const health = await send('GET', '/healthz', { target: sessions.target });
    expect(JSON.parse(health.body.toString()).storage.namespaces).toEqual({ sessions: true, echoseen: true });
    const ready = await send('GET', '/readyz', { target: sessions.target });
    expect(JSON.parse(ready.body.toString())).toEqual({ status: 'ready', namespaces: { sessions: true, echoseen: true } });
  });

  it("/insight shows each namespace's most written key as the keyed hash an operator computes, never the key", async () => {
    const key = newKey('insight');
    for (let i = 0; i < 6; i++) await send('POST', keyPath(key, sessions.target), { target: sessions.target, body: 'same' });
    await send('POST', keyPath(key, echoseen.target), { target: echoseen.target, body: 'seen' });
    const answer = await send('GET', '/insight', { target: sessions.target });
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).not.toContain(key);
    const { namespaces } = JSON.parse(answer.body.toString());
    const keyHash = createHmac('sha256', contractInsightSecret).update(key).digest('hex').slice(0, 16);
    // No other test of the file writes a key more than twice.
    expect(namespaces.sessions.top_keys[0]).toEqual({ key_hash: keyHash, writes: 6 });
    expect(namespaces.sessions.keys_by_writes['6-20']).toBe(1);
    expect(namespaces.echoseen.top_keys).toContainEqual({ key_hash: keyHash, writes: 1 });
    const metrics = await send('GET', '/metrics', { target: sessions.target });
    expect(metrics.body.toString()).toContain('kask_written_keys{namespace="sessions",writes="6-20"} 1');
  });
});
