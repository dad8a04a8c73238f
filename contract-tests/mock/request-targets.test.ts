import { describe, expect, it } from 'vitest';
import { expectNotFoundToEveryMethod, kaskError, keyPath, newKey, problemOf, send, sendRaw } from '../harness/http.js';
import { target } from '../harness/target.js';

// Request targets Prism cannot read as the server reads them: it died of a malformed escape, routed an encoded
// slash or a dot segment to another path, and ignored a query string. The mock answers each as the server does
// (contract-tests/behaviour/keys.test.ts and direct/paths.test.ts say what that is).

const methods = ['GET', 'POST', 'DELETE'];
const octetStream = { 'content-type': 'application/octet-stream' };

/** Sends `method` to `path` (POST with a body), and expects the server's 400 problem. */
async function expectBadRequest(method: string, path: string, checkContract = true): Promise<void> {
  const response = await send(method, path, { checkContract, ...(method === 'POST' ? { body: 'x', headers: octetStream } : {}) });
  expect(response.status, `${method} ${path}`).toBe(400);
  expect(problemOf(response).type).toBe(kaskError('bad_request'));
}

describe('request targets the mock answers as the server does', () => {
  it.each([
    ['not UTF-8', '%FF'],
    ['not hexadecimal', '%zz'],
    ['cut short', '%4'],
    ['a lone %', '%'],
    ['invalid UTF-8 (a lead byte before "(")', '%C3%28'],
    ['a UTF-16 surrogate', '%ED%A0%80'],
    ['an overlong "/"', '%C0%AF'],
  ])(
    'a key with an escape %s (%s) answers 400 to GET, POST and DELETE, and the mock serves the next request',
    async (_case, malformed) => {
      const path = `${keyPath(newKey('escape'))}${malformed}`;
      for (const method of methods) await expectBadRequest(method, path);
      expect((await send('GET', keyPath(newKey('next')))).status).toBe(200);
    },
  );

  it('a malformed escape elsewhere in the path answers 400, as the server’s router refuses it before any route', async () => {
    // The document declares no path for these, so no response for them either.
    for (const path of ['/sessions/v%FF/key', '/healthz%zz']) await expectBadRequest('GET', path, false);
    expect((await sendRaw('GET', `http://${target.baseUrl.host}${keyPath(newKey('absolute'))}%FF`)).status).toBe(400);
  });

  it.each([
    ['an encoded slash', (k: string) => `${keyPath(k)}%2Fb`],
    ['a lower-case encoded slash', (k: string) => `${keyPath(k)}%2fb`],
    ['an extra segment', (k: string) => `${keyPath(k)}/extra`],
    ['a trailing slash', (k: string) => `${keyPath(k)}/`],
    ['an empty key', () => target.basePath],
    ['a dot segment before the key', (k: string) => `${target.basePath}./${keyPath(k).slice(target.basePath.length)}`],
    ['a dot-dot segment after the key', (k: string) => `${keyPath(k)}/..`],
    ['a dot-dot segment back to the key', (k: string) => `${keyPath(k)}/../${keyPath(k).slice(target.basePath.length)}`],
  ])('a path with %s answers 404 to GET, POST and DELETE', async (_case, pathOf) => {
    await expectNotFoundToEveryMethod(pathOf(newKey('path')));
  });

  it.each(['.', '..', '%2E', '%2e%2E'])(
    '%s is a key, as on the server: POST answers 201, GET the example, DELETE 204',
    async (segment) => {
      const path = `${target.basePath}${segment}`;
      expect((await send('POST', path, { body: 'x', headers: octetStream })).status).toBe(201);
      expect((await send('GET', path)).status).toBe(200);
      expect((await send('DELETE', path)).status).toBe(204);
    },
  );

  it('a raw backslash is part of the key, not a slash', async () => {
    expect((await send('GET', `${keyPath(newKey('backslash'))}\\b`)).status).toBe(200);
  });

  it('a percent-encoded character of the base path is decoded, as the server’s router decodes it', async () => {
    const encodedBase = target.basePath.replace('1', '%31');
    // The document's path is the base path as written: the contract validator matches no path to this one.
    const response = await send('GET', `${encodedBase}${encodeURIComponent(newKey('base'))}`, { checkContract: false });
    expect(response.status).toBe(200);
  });

  it('a query string answers 400 to GET, POST and DELETE, whatever it holds, and a bare ? is no query', async () => {
    // Prism ignores undeclared query parameters, and reads __server as its own.
    for (const query of ['?x=1', '?&', '?a=%FF', '?__server=http://example.org']) {
      for (const method of methods) await expectBadRequest(method, `${keyPath(newKey('query'))}${query}`);
    }
    expect((await send('GET', `${keyPath(newKey('bare-query'))}?`)).status).toBe(200);
  });

  it.each([
    ['a dot-dot segment Prism would resolve to /healthz', '/x/../healthz'],
    ['an authority Prism cannot parse', '//['],
  ])('a path outside the session route with %s answers 404, as the server does', async (_case, path) => {
    const response = await send('GET', path);
    expect(response.status).toBe(404);
    expect(problemOf(response).type).toBe(kaskError('not_found'));
  });
});
