import { describe, expect, it } from 'vitest';
import { expectNotFoundToEveryMethod, kaskError, keyPath, newKey, problemOf, send } from '../harness/http.js';
import { target } from '../harness/target.js';

const maxKeyBytes = Number(process.env.KASK_MAX_KEY_BYTES ?? 1024);

describe('session keys', () => {
  it('the key is the percent-decoded segment: enwiki%3AMWSession%3Aabc and enwiki:MWSession:abc are one key', async () => {
    const id = newKey('decode');
    await send('POST', `${target.basePath}enwiki%3AMWSession%3A${encodeURIComponent(id)}`, { body: 'decoded' });
    const read = await send('GET', `${target.basePath}enwiki:MWSession:${encodeURIComponent(id)}`);
    expect(read.status).toBe(200);
    expect(read.body.toString()).toBe('decoded');
  });

  it('percent-encoded UTF-8 keys are stored and found', async () => {
    const key = `${newKey('utf8')}:Ωμέγα:🙂`;
    expect((await send('POST', keyPath(key), { body: 'utf8' })).status).toBe(201);
    expect((await send('GET', keyPath(key))).body.toString()).toBe('utf8');
  });

  it.each([
    ['an encoded slash', (k: string) => `${keyPath(k)}%2Fb`],
    ['an empty key', () => target.basePath],
  ])('a path with %s answers 404 to GET, POST and DELETE', async (_case, pathOf) => {
    await expectNotFoundToEveryMethod(pathOf(newKey('path')));
  });

  it('a query string answers 400 to GET, POST and DELETE, and the POST stores nothing', async () => {
    const key = newKey('query');
    for (const method of ['GET', 'POST', 'DELETE']) {
      const response = await send(method, `${keyPath(key)}?x=1`, method === 'POST' ? { body: 'x' } : {});
      expect(response.status, method).toBe(400);
      expect(problemOf(response).type).toBe(kaskError('bad_request'));
    }
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });

  it('a bare ? (an empty query) is accepted as Kask accepts it: the key is the path before it', async () => {
    const key = newKey('bare-query');
    expect((await send('POST', `${keyPath(key)}?`, { body: 'bare' })).status).toBe(201);
    expect((await send('GET', `${keyPath(key)}?`)).body.toString()).toBe('bare');
    expect((await send('DELETE', `${keyPath(key)}?`)).status).toBe(204);
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });

  it(`a key of exactly ${maxKeyBytes} bytes is accepted`, async () => {
    const key = newKey('longest').padEnd(maxKeyBytes, 'k');
    expect((await send('POST', keyPath(key), { body: 'long key' })).status).toBe(201);
    expect((await send('GET', keyPath(key))).body.toString()).toBe('long key');
  });

  it(`a key of ${maxKeyBytes + 1} bytes answers 400 and stores nothing`, async () => {
    const key = newKey('too-long').padEnd(maxKeyBytes + 1, 'k');
    const response = await send('POST', keyPath(key), { body: 'x' });
    expect(response.status).toBe(400);
    expect(problemOf(response).detail).toContain(String(maxKeyBytes));
    expect((await send('GET', keyPath(key))).status).toBe(400);
  });

  it('a key whose length is counted in UTF-8 bytes, not characters, is refused past the limit', async () => {
    const key = 'é'.repeat(Math.floor(maxKeyBytes / 2) + 1);
    expect((await send('POST', keyPath(key), { body: 'x' })).status).toBe(400);
  });

  it('a percent-encoded key that is not UTF-8 answers 400', async () => {
    const response = await send('POST', `${target.basePath}bad%FF%FEkey`, { body: 'x' });
    expect(response.status).toBe(400);
    expect(problemOf(response).type).toBe(kaskError('bad_request'));
  });
});
