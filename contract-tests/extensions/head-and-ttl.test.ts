import { describe, expect, it } from 'vitest';
import { keyPath, newKey, type Response, send } from '../harness/http.js';

/**
 * The headers a HEAD must share with the GET it stands for, but those of the moment or the connection, and
 * Content-Length, which Prism's proxy sets to 0 on a HEAD (checked where the server is reached directly, direct/).
 */
function comparable({ headers }: Response): Record<string, unknown> {
  const { date, connection, 'keep-alive': keepAlive, 'content-length': contentLength, ...rest } = headers;
  return rest;
}

/** Expects `response` to carry a Kask-TTL of `ttlSeconds` (Cassandra counts whole seconds: one or two may have passed). */
function expectTtl(response: Response, ttlSeconds: number): void {
  const left = Number(response.headers['kask-ttl']);
  expect(left).toBeGreaterThanOrEqual(ttlSeconds - 2);
  expect(left).toBeLessThanOrEqual(ttlSeconds);
}

describe('HEAD on a session key: GET without the content (RFC 9110 section 9.3.2)', () => {
  // NOTE: Prism's proxy answers 500 to a HEAD the server answers with a problem (it parses the empty body as
  // JSON): HEAD's 412 and 404 are checked where the server is reached directly (direct/).
  it('answers as GET would, with no body: 200 with the ETag and Kask-TTL, and 304 alike', async () => {
    const key = newKey('head');
    const written = await send('POST', keyPath(key), {
      body: 'a value of 21 bytes..',
      headers: { 'cache-control': 'max-age=600' },
    });
    expect(written.status).toBe(201);
    const etag = String(written.headers.etag);
    for (const [headers, status] of [
      [{}, 200],
      [{ 'if-none-match': etag }, 304],
    ] as const) {
      const get = await send('GET', keyPath(key), { headers });
      const head = await send('HEAD', keyPath(key), { headers });
      expect([get.status, head.status], JSON.stringify(headers)).toEqual([status, status]);
      expect(head.body.length).toBe(0);
      // Kask-TTL may have ticked between the two reads.
      expect({ ...comparable(head), 'kask-ttl': undefined }).toEqual({ ...comparable(get), 'kask-ttl': undefined });
      expect(head.headers.etag).toBe(etag);
      expectTtl(head, 600);
    }
  });

  it('changes nothing: the value and its TTL stay as they were', async () => {
    const key = newKey('head-unchanged');
    await send('POST', keyPath(key), { body: 'kept', headers: { 'cache-control': 'max-age=300' } });
    expect((await send('HEAD', keyPath(key))).status).toBe(200);
    const read = await send('GET', keyPath(key));
    expect(read.body.toString()).toBe('kept');
    expectTtl(read, 300);
  });
});

describe('Kask-TTL: the seconds a value has left', () => {
  it('GET answers the max-age of a POST or PUT, then the one a PATCH set', async () => {
    const key = newKey('ttl');
    await send('POST', keyPath(key), { body: 'v', headers: { 'cache-control': 'max-age=120' } });
    expectTtl(await send('GET', keyPath(key)), 120);
    expect((await send('PATCH', keyPath(key), { headers: { 'cache-control': 'max-age=45' } })).status).toBe(204);
    expectTtl(await send('GET', keyPath(key)), 45);
    const created = newKey('ttl-created');
    await send('PUT', keyPath(created), { body: 'v', headers: { 'cache-control': 'max-age=30' } });
    expectTtl(await send('GET', keyPath(created)), 30);
  });
});
