import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startServersStoppedAfterEach, untilStorageAnswers } from '../../../test-support/server-process.js';
import { cassandraTarget, configBlock } from './target.js';

const target = cassandraTarget();
const start = startServersStoppedAfterEach();

describe('cassandra over HTTP: the longest keys', () => {
  it('with max_key_bytes 65535 (Cassandra’s partition key limit), a key of that many bytes round trips and one more answers 400', async () => {
    const server = await start({ workers: 1, max_key_bytes: 65535, cassandra: configBlock(target) });
    await untilStorageAnswers(server);
    const unique = randomUUID();
    // A control character first, and three-byte characters: the longest key is also the longest request line.
    const keys = [`%01${unique}`.padEnd(65535 + 2, 'k'), `%01${unique}${'%E2%82%AC'.repeat(21832)}kk`];
    for (const [i, key] of keys.entries()) {
      expect(Buffer.byteLength(decodeURIComponent(key))).toBe(65535);
      const url = `${server.baseUrl}${key}`;
      expect((await fetch(url, { method: 'POST', body: `value ${i}` })).status).toBe(201);
      const read = await fetch(url);
      expect([read.status, await read.text()]).toEqual([200, `value ${i}`]);
      expect((await fetch(`${url}k`, { method: 'POST', body: 'x' })).status).toBe(400);
      expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
    }
  });
});
