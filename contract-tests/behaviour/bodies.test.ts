import { describe, expect, it } from 'vitest';
import { kaskError, keyPath, newKey, problemOf, send } from '../harness/http.js';

const maxValueBytes = Number(process.env.KASK_MAX_VALUE_BYTES ?? 1024 * 1024);

describe('request bodies', () => {
  it.each([
    ['application/octet-stream', 'PHP.t2EKhUF4l65kZqWhoAnKW8ZPzekDYfrDxTkQcVmGsuM=.s:8:"somedata";'],
    ['application/x-www-form-urlencoded', 'JSON..{"a":1}&b=c+d%20'],
    ['text/plain; charset=utf-8', 'plain text'],
    ['image/png', '\u0089PNG'],
  ])('a body sent as %s is stored byte for byte', async (contentType, text) => {
    const key = newKey('content-type');
    expect((await send('POST', keyPath(key), { body: text, headers: { 'content-type': contentType } })).status).toBe(201);
    expect((await send('GET', keyPath(key))).body.toString()).toBe(text);
  });

  it('a body with no Content-Type is stored byte for byte', async () => {
    const key = newKey('no-content-type');
    expect((await send('POST', keyPath(key), { body: 'untyped' })).status).toBe(201);
    expect((await send('GET', keyPath(key))).body.toString()).toBe('untyped');
  });

  it('a body sent after Expect: 100-continue is stored', async () => {
    const key = newKey('expect');
    const response = await send('POST', keyPath(key), { body: 'continued', headers: { expect: '100-continue' } });
    expect(response.continued).toBe(true);
    expect(response.status).toBe(201);
    expect((await send('GET', keyPath(key))).body.toString()).toBe('continued');
  });

  it('an empty POST answers 400 and leaves the stored value as it was', async () => {
    const key = newKey('empty');
    await send('POST', keyPath(key), { body: 'kept' });
    const response = await send('POST', keyPath(key), { body: '' });
    expect(response.status).toBe(400);
    expect(problemOf(response)).toMatchObject({
      type: kaskError('bad_request'),
      detail: 'The request was incorrect or malformed',
    });
    expect((await send('GET', keyPath(key))).body.toString()).toBe('kept');
  });

  it(`a value of exactly ${maxValueBytes} bytes is stored`, async () => {
    const key = newKey('largest');
    // Printable bytes, so that it also passes Prism's proxy; contract-tests/direct/ has the binary values.
    const value = Buffer.alloc(maxValueBytes, 'k');
    expect((await send('POST', keyPath(key), { body: value })).status).toBe(201);
    expect((await send('GET', keyPath(key))).body.equals(value)).toBe(true);
  });

  it(`a value of ${maxValueBytes + 1} bytes answers 413 and leaves the stored value as it was`, async () => {
    const key = newKey('too-large');
    await send('POST', keyPath(key), { body: 'kept' });
    const response = await send('POST', keyPath(key), { body: Buffer.alloc(maxValueBytes + 1) });
    expect(response.status).toBe(413);
    expect(problemOf(response).type).toBe(kaskError('payload_too_large'));
    expect((await send('GET', keyPath(key))).body.toString()).toBe('kept');
  });

  it('an oversized value announced with Expect: 100-continue answers 413 and is not stored', async () => {
    const key = newKey('too-large-expect');
    const response = await send('POST', keyPath(key), {
      body: Buffer.alloc(maxValueBytes + 1),
      headers: { expect: '100-continue' },
    });
    expect(response.status).toBe(413);
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });
});
