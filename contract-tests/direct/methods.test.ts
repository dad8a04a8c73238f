import { describe, expect, it } from 'vitest';
import { kaskError, keyPath, newKey, problemOf, send } from '../harness/http.js';
import { sessionMethods, undeclaredSessionMethods } from '../harness/spec.js';

// NOTE: Prism answers a method the document does not declare with its own 405 and never forwards it:
// these cases are sent to the server directly, never through the proxy run.
describe('methods the document does not declare, sent directly (Prism answers them itself)', () => {
  it.each(undeclaredSessionMethods)('%s on a session key answers 405 with Allow, and changes nothing', async (method) => {
    const key = newKey('method');
    await send('POST', keyPath(key), { body: 'kept' });
    const response = await send(method, keyPath(key), method === 'HEAD' ? {} : { body: 'replaced' });
    expect(response.status).toBe(405);
    expect(String(response.headers.allow).split(/,\s*/)).toEqual(expect.arrayContaining(sessionMethods));
    if (method !== 'HEAD') expect(problemOf(response).type).toBe(kaskError('method_not_allowed'));
    expect((await send('GET', keyPath(key))).body.toString()).toBe('kept');
  });
});
