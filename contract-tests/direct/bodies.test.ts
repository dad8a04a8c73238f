import { describe, expect, it } from 'vitest';
import { kaskError, keyPath, newKey, problemOf, send } from '../harness/http.js';

const maxValueBytes = Number(process.env.KASK_MAX_VALUE_BYTES ?? 1024 * 1024);

// NOTE: Prism's proxy does not forward these bodies as they were sent, so they go to the server directly,
// never through the proxy run: it parses a JSON body (refusing one that is not JSON, re-serialising one
// that is), and it re-sends a chunked body whole with the client's `Transfer-Encoding: chunked` still on it.
describe('bodies Prism’s proxy does not forward as sent, sent directly', () => {
  it('a body sent as application/json that is not JSON is stored byte for byte (Prism would parse it)', async () => {
    const key = newKey('json');
    const text = '{"not":"parsed",';
    expect((await send('POST', keyPath(key), { body: text, headers: { 'content-type': 'application/json' } })).status).toBe(201);
    expect((await send('GET', keyPath(key))).body.toString()).toBe(text);
  });

  it('a chunked body is stored whole (Prism would re-send it with a wrong Transfer-Encoding)', async () => {
    const key = newKey('chunked');
    const chunks = ['JSON..', '{"data":', '{"a":1}', '}'];
    const response = await send('POST', keyPath(key), { body: chunks, headers: { 'content-type': 'application/octet-stream' } });
    expect(response.status).toBe(201);
    expect((await send('GET', keyPath(key))).body.toString()).toBe(chunks.join(''));
  });

  it('an oversized chunked value answers 413 without being stored (Prism would re-send it with a wrong Transfer-Encoding)', async () => {
    const key = newKey('too-large-chunked');
    const chunk = Buffer.alloc(64 * 1024, 1);
    const chunks = Array.from({ length: Math.ceil(maxValueBytes / chunk.length) + 1 }, () => chunk);
    const response = await send('POST', keyPath(key), { body: chunks });
    expect(response.status).toBe(413);
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });

  it('an oversized value announced with Expect: 100-continue answers 413 without asking for the body (Prism would)', async () => {
    const key = newKey('too-large-expect');
    const response = await send('POST', keyPath(key), {
      body: Buffer.alloc(maxValueBytes + 1),
      headers: { expect: '100-continue' },
    });
    expect(response.continued).toBe(false);
    expect(response.status).toBe(413);
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });

  // GET and DELETE take no body, but a client may send one: it is refused unread like any other (and, sent
  // directly, not through Prism's proxy, which would forward a GET without it).
  it.each(['GET', 'DELETE'])('%s with a body over the limit answers 413 and changes nothing', async (method) => {
    const key = newKey(`too-large-${method}`);
    await send('POST', keyPath(key), { body: 'kept' });
    const response = await send(method, keyPath(key), { body: Buffer.alloc(maxValueBytes + 1) });
    expect(response.status).toBe(413);
    expect(problemOf(response).type).toBe(kaskError('payload_too_large'));
    expect((await send('GET', keyPath(key))).body.toString()).toBe('kept');
  });
});
