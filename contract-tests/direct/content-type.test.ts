import { describe, expect, it } from 'vitest';
import { keyPath, newKey, send } from '../harness/http.js';

// Sent directly: Prism's proxy parses the request Content-Type itself (see mock/README.md).
describe('the request Content-Type is never parsed on the session route', () => {
  const types = [
    'application/octet-stream, application/octet-stream',
    'application/json,application/json',
    'application/x-www-form-urlencoded; charset=UTF-8',
    'multipart/form-data',
    'text/plain; charset',
    ';;',
    'not a media type',
  ];

  it.each(types)('a POST with Content-Type %j stores the raw bytes', async (type) => {
    const key = newKey('content-type');
    const body = '{"a":1}&b=2';
    expect((await send('POST', keyPath(key), { body, headers: { 'content-type': type } })).status).toBe(201);
    const read = await send('GET', keyPath(key), { headers: { 'content-type': type } });
    expect([read.status, read.body.toString()]).toEqual([200, body]);
  });

  it.each(types)('a DELETE with Content-Type %j deletes (a logout is never refused for it)', async (type) => {
    const key = newKey('content-type-delete');
    await send('POST', keyPath(key), { body: 'session' });
    const response = await send('DELETE', keyPath(key), { headers: { 'content-type': type, 'content-length': '0' } });
    expect(response.status).toBe(204);
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });
});
