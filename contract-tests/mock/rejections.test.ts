import { describe, expect, it } from 'vitest';
import { keyPath, newKey, prismViolations, send } from '../harness/http.js';
import { undeclaredSessionMethods } from '../harness/spec.js';

// The mock as a checker of client code: a request that breaks the document is refused with a message
// naming what is wrong (Prism runs with --errors).

function prismDetail(body: Buffer): string {
  return (JSON.parse(body.toString()) as { detail: string }).detail;
}

describe('requests that break the document, refused by the mock', () => {
  it('a POST without a body answers 400 with an sl-violations header saying the body is required', async () => {
    const response = await send('POST', keyPath(newKey('empty')), {
      body: '',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(response.status).toBe(400);
    expect(prismViolations(response).map((v) => v.message)).toContain('Body parameter is required');
  });

  it.each(undeclaredSessionMethods)('%s on a session key answers 405 with a detail naming the method', async (method) => {
    const response = await send(method, keyPath(newKey('method')), {
      checkContract: false,
      body: 'x',
    });
    expect(response.status).toBe(405);
    expect(prismDetail(response.body)).toContain(`does not have "${method.toLowerCase()}" method defined`);
  });

  it('a key over the default max_key_bytes answers 400, as the server does, and one of exactly that many is served', async () => {
    const tooLong = await send('GET', keyPath('k'.repeat(1025)), { checkContract: false });
    expect(tooLong.status).toBe(400);
    expect(prismViolations(tooLong).map((v) => v.message)).toContain(
      'Request path parameter key must NOT have more than 1024 characters',
    );
    expect((await send('GET', keyPath('k'.repeat(1024)))).status).toBe(200);
  });
});
