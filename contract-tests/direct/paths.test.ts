import { describe, expect, it } from 'vitest';
import { expectNotFoundToEveryMethod, kaskError, keyPath, newKey, problemOf, send, sendRaw } from '../harness/http.js';
import { target } from '../harness/target.js';

// NOTE: Prism answers these request targets itself and never forwards them (paths that match no path of
// the document get its own 404; raw non-ASCII bytes get Node's 400), so they are sent to the server
// directly, never through the proxy run.
describe('request targets Prism’s proxy answers itself, sent directly', () => {
  it.each([
    ['an extra segment', (k: string) => `${keyPath(k)}/extra`],
    ['a trailing slash', (k: string) => `${keyPath(k)}/`],
  ])('a path with %s answers 404 to GET, POST and DELETE', async (_case, pathOf) => {
    await expectNotFoundToEveryMethod(pathOf(newKey('path')));
  });

  it.each([
    ['not UTF-8', Buffer.from([0x61, 0xff, 0x62])],
    ['UTF-8', Buffer.from('é', 'utf8')],
  ])('a request target with raw (unencoded) %s bytes answers 400 (RFC 3986 allows only ASCII)', async (_case, bytes) => {
    const response = await sendRaw('GET', Buffer.concat([Buffer.from(target.basePath), bytes]), '');
    expect(response.status).toBe(400);
    expect(problemOf(response).type).toBe(kaskError('bad_request'));
  });

  it('a query string of any content answers 400, however empty its parameters (Prism forwards some of them without)', async () => {
    for (const query of ['?&', '??', '?=', '?x']) {
      expect((await send('GET', `${keyPath(newKey('query'))}${query}`)).status, query).toBe(400);
    }
  });

  it('an absolute-form target (RFC 9112 section 3.2.2) addresses the same key as its path: POST, GET and DELETE', async () => {
    const key = newKey('absolute');
    const absolute = `http://${target.baseUrl.host}${keyPath(key)}`;
    expect((await sendRaw('POST', absolute, '', { body: 'absolute' })).status).toBe(201);
    expect((await send('GET', keyPath(key))).body.toString()).toBe('absolute');
    const read = await sendRaw('GET', absolute);
    expect([read.status, read.body.toString()]).toEqual([200, 'absolute']);
    expect((await sendRaw('DELETE', absolute)).status).toBe(204);
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });

  it('a problem answered to an absolute-form target has the decoded path as its instance', async () => {
    const key = newKey('absolute-absent');
    const response = await sendRaw('GET', `http://${target.baseUrl.host}${keyPath(key)}`);
    expect(response.status).toBe(404);
    expect(problemOf(response).instance).toBe(`${target.basePath}${key}`);
  });

  it('/healthz in absolute form answers as in origin form', async () => {
    expect((await sendRaw('GET', `http://${target.baseUrl.host}/healthz`)).status).toBe(200);
  });
});
