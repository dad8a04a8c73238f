import { describe, expect, it } from 'vitest';
import { kaskError, keyPath, newKey, prismViolations, problemOf, send, sendRaw } from '../harness/http.js';
import { target } from '../harness/target.js';

// What the mock does not do as the document says, each one listed in mock/README.md: these cases pin the
// list to what Prism really does, so that the README is corrected when a Prism upgrade changes it.

describe('what the mock cannot check or does differently (mock/README.md)', () => {
  it('the mock keeps no state: a GET after a DELETE still answers the example value', async () => {
    const key = newKey('stateless');
    await send('DELETE', keyPath(key));
    expect((await send('GET', keyPath(key))).status).toBe(200);
  });

  it('a key of multi-byte characters over max_key_bytes is not refused: Prism counts characters, not UTF-8 bytes', async () => {
    expect((await send('GET', keyPath('é'.repeat(1000)))).status).toBe(200);
  });

  it('a body sent as application/json is refused, which the server stores: Prism parses it as JSON', async () => {
    const response = await send('POST', keyPath(newKey('json')), {
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
  });

  it('a body sent as application/x-www-form-urlencoded is refused, which the server stores: Prism parses it as a form', async () => {
    const response = await send('POST', keyPath(newKey('form')), {
      body: 'JSON..{"a":1}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(400);
    expect(prismViolations(response).map((v) => v.message)).toContain('Request body must be string');
  });

  it('a method the document does not declare answers 405 without Allow and with a problem of Prism’s, not Kask’s', async () => {
    const response = await send('OPTIONS', keyPath(newKey('method')), { checkContract: false });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBeUndefined();
  });

  it('a path none of the document’s paths matches answers 404 with a problem of Prism’s, not Kask’s', async () => {
    const response = await send('GET', '/nowhere', { checkContract: false });
    expect(response.status).toBe(404);
    expect(problemOf(response).type).not.toBe(kaskError('not_found'));
  });

  it('a request target with raw (unencoded) non-ASCII bytes answers Node’s bare 400, not the server’s problem', async () => {
    const response = await sendRaw('GET', Buffer.from(`${target.basePath}\u00e9`, 'utf8'), '', { checkContract: false });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBeUndefined();
  });

  it('a method the document does not declare, on a path of more than one segment, answers 404 where the server answers 405', async () => {
    const response = await send('OPTIONS', `${keyPath(newKey('method'))}/extra`, { checkContract: false });
    expect(response.status).toBe(404);
  });
});
