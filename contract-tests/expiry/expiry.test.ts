import { describe, expect, it } from 'vitest';
import { keyPath, newKey, send } from '../harness/http.js';
import { shortTtlServer } from '../harness/target.js';

const { target: shortTtlTarget, seconds: shortTtlSeconds } = shortTtlServer();

describe('expiry', () => {
  it.skipIf(shortTtlSeconds > 60)(
    'a value reads 404 once default_ttl has passed since its write (needs a short-TTL target)',
    async () => {
      const key = newKey('ttl');
      const options = { target: shortTtlTarget };
      await send('POST', keyPath(key, shortTtlTarget), { ...options, body: 'short-lived' });
      expect((await send('GET', keyPath(key, shortTtlTarget), options)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, shortTtlSeconds * 1000 + 1500));
      expect((await send('GET', keyPath(key, shortTtlTarget), options)).status).toBe(404);
    },
    shortTtlSeconds * 1000 + 10000,
  );

  it('a rewrite restarts the TTL', async () => {
    const key = newKey('ttl-rewrite');
    const options = { target: shortTtlTarget };
    await send('POST', keyPath(key, shortTtlTarget), { ...options, body: 'first' });
    await new Promise((resolve) => setTimeout(resolve, Math.min(shortTtlSeconds, 60) * 500));
    await send('POST', keyPath(key, shortTtlTarget), { ...options, body: 'second' });
    await new Promise((resolve) => setTimeout(resolve, Math.min(shortTtlSeconds, 60) * 600));
    const read = await send('GET', keyPath(key, shortTtlTarget), options);
    expect(read.status).toBe(200);
    expect(read.body.toString()).toBe('second');
  }, 70000);
});
