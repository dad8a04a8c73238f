import { describe, expect, it } from 'vitest';
import { keyPath, newKey, send } from '../harness/http.js';

describe('concurrency', () => {
  it('200 concurrent writers to distinct keys: every acknowledged write is readable', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => newKey(`writer-${i}`));
    const writes = await Promise.all(keys.map((key) => send('POST', keyPath(key), { body: `value of ${key}` })));
    expect(writes.map((w) => w.status)).toEqual(keys.map(() => 201));
    const reads = await Promise.all(keys.map((key) => send('GET', keyPath(key))));
    expect(reads.map((r) => r.body.toString())).toEqual(keys.map((key) => `value of ${key}`));
  });

  it('concurrent writers to one key leave one of the written values, whole', async () => {
    const key = newKey('one-key');
    const values = Array.from({ length: 50 }, (_, i) => `writer ${i} `.repeat(100 + i));
    await Promise.all(values.map((body) => send('POST', keyPath(key), { body })));
    expect(values).toContain((await send('GET', keyPath(key))).body.toString());
  });
});
