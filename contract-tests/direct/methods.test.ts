import { describe, expect, it } from 'vitest';
import { kaskError, keyPath, newKey, problemOf, send } from '../harness/http.js';
import { sessionMethods, undeclaredSessionMethods } from '../harness/spec.js';

// NOTE: Prism answers a method the document does not declare with its own 405 and never forwards it:
// these cases are sent to the server directly, never through the proxy run.
describe('methods the document does not declare, sent directly (Prism answers them itself)', () => {
  it.each(undeclaredSessionMethods)('%s on a session key answers 405 with Allow, and changes nothing', async (method) => {
    const key = newKey('method');
    await send('POST', keyPath(key), { body: 'kept' });
    const response = await send(method, keyPath(key), { body: 'replaced' });
    expect(response.status).toBe(405);
    expect(String(response.headers.allow).split(/,\s*/)).toEqual(expect.arrayContaining(sessionMethods));
    expect(problemOf(response).type).toBe(kaskError('method_not_allowed'));
    expect((await send('GET', keyPath(key))).body.toString()).toBe('kept');
  });
});

// NOTE: Prism's proxy answers a HEAD with Content-Length: 0 whatever the server sent, and 500 to one the server
// answers with a problem.
describe('HEAD, sent directly (Prism rewrites its answers)', () => {
  it('HEAD answers the status and headers GET would, Content-Length included, with no body: 200, 412 and 404', async () => {
    const key = newKey('head-direct');
    await send('POST', keyPath(key), { body: 'a value of 21 bytes..' });
    for (const [path, headers, status] of [
      [keyPath(key), {}, 200],
      [keyPath(key), { 'if-match': '"stale"' }, 412],
      [keyPath(newKey('head-direct-absent')), {}, 404],
    ] as const) {
      const get = await send('GET', path, { headers });
      const head = await send('HEAD', path, { headers });
      expect([get.status, head.status]).toEqual([status, status]);
      for (const name of ['content-length', 'content-type', 'cache-control', 'x-content-type-options', 'etag']) {
        expect(head.headers[name], name).toBe(get.headers[name]);
      }
      expect(head.body.length).toBe(0);
    }
  });
});
