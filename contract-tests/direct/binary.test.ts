import { describe, expect, it } from 'vitest';
import { keyPath, newKey, send } from '../harness/http.js';

const maxValueBytes = Number(process.env.KASK_MAX_VALUE_BYTES ?? 1024 * 1024);

// NOTE: Prism's proxy reads bodies as text and turns every non-UTF-8 byte into U+FFFD (stoplightio/prism
// issues 1321 and 2349), so these cases are sent to the server directly, never through the proxy run.
describe('non-UTF-8 values, sent directly (Prism’s proxy would turn their bytes into U+FFFD)', () => {
  it('all 256 byte values round trip exactly', async () => {
    const key = newKey('bytes');
    const value = Buffer.from(Array.from({ length: 256 * 4 }, (_, i) => (i * 7) % 256));
    expect((await send('POST', keyPath(key), { body: value })).status).toBe(201);
    const read = await send('GET', keyPath(key));
    expect(read.body.equals(value)).toBe(true);
  });

  it(`a binary value of exactly ${maxValueBytes} bytes is stored`, async () => {
    const key = newKey('largest-binary');
    const value = Buffer.alloc(maxValueBytes, 0xab);
    expect((await send('POST', keyPath(key), { body: value })).status).toBe(201);
    expect((await send('GET', keyPath(key))).body.equals(value)).toBe(true);
  });
});
