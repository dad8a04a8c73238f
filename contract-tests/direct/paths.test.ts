import { describe, expect, it } from 'vitest';
import { expectNotFoundToEveryMethod, kaskError, keyPath, newKey, problemOf, sendRaw } from '../harness/http.js';
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
});
