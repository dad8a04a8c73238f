import { describe, expect, it } from 'vitest';
import { kaskError, keyPath, newKey, problemOf, send } from './harness/http.js';

describe('methods', () => {
  it.each(['PUT', 'PATCH', 'HEAD', 'OPTIONS'])(
    '%s on a session key answers 405 with Allow, and changes nothing',
    async (method) => {
      const key = newKey('method');
      await send('POST', keyPath(key), { body: 'kept' });
      const response = await send(method, keyPath(key), method === 'HEAD' ? {} : { body: 'replaced' });
      expect(response.status).toBe(405);
      expect(String(response.headers.allow).split(/,\s*/)).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE']));
      if (method !== 'HEAD') expect(problemOf(response).type).toBe(kaskError('method_not_allowed'));
      expect((await send('GET', keyPath(key))).body.toString()).toBe('kept');
    },
  );
});
