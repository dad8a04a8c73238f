import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kaskError, keyPath, newKey, problemOf, send } from '../harness/http.js';
import { target } from '../harness/target.js';

describe('session values', () => {
  it('POST stores a value: 201 with an empty body, and GET answers it as octet-stream', async () => {
    const key = newKey('store');
    const stored = await send('POST', keyPath(key), {
      body: 'a session',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(stored.status).toBe(201);
    expect(stored.body.length).toBe(0);
    const read = await send('GET', keyPath(key));
    expect(read.status).toBe(200);
    expect(read.headers['content-type']).toBe('application/octet-stream');
    expect(read.body.toString()).toBe('a session');
  });

  it('POST over an existing key replaces the value', async () => {
    const key = newKey('overwrite');
    await send('POST', keyPath(key), { body: 'a much longer first value' });
    await send('POST', keyPath(key), { body: 'second' });
    expect((await send('GET', keyPath(key))).body.toString()).toBe('second');
  });

  it('DELETE of a present key answers 204 and the key then reads 404', async () => {
    const key = newKey('delete');
    await send('POST', keyPath(key), { body: 'v' });
    const deleted = await send('DELETE', keyPath(key));
    expect(deleted.status).toBe(204);
    expect(deleted.body.length).toBe(0);
    expect((await send('GET', keyPath(key))).status).toBe(404);
  });

  it('DELETE of an absent key answers 204', async () => {
    expect((await send('DELETE', keyPath(newKey('never-stored')))).status).toBe(204);
  });

  it("GET of an absent key answers 404 with exactly Kask's problem fields", async () => {
    const key = newKey('absent');
    const response = await send('GET', keyPath(key));
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(Object.keys(problemOf(response))).toEqual(['type', 'title', 'detail', 'instance']);
    expect(problemOf(response)).toEqual({
      type: kaskError('not_found'),
      title: 'Not found',
      detail: 'The value you requested was not found',
      instance: `${target.basePath}${key}`,
    });
  });

  it("the document's x-amples pass in order, as Wikimedia's service checker runs them", async () => {
    const spec = parse(readFileSync(new URL('../../openapi/openapi.yaml', import.meta.url), 'utf8'));
    const operations = spec.paths['/sessions/v1/{key}'];
    const amples = ['post', 'get'].flatMap((method) =>
      (
        operations[method]['x-amples'] as {
          request: { params: { key: string }; headers: Record<string, string>; body?: string };
          response: { status: number; body?: string };
        }[]
      ).map((ample) => ({ method, ample })),
    );
    expect(amples.length).toBeGreaterThanOrEqual(2);
    for (const { method, ample } of amples) {
      const response = await send(method.toUpperCase(), keyPath(ample.request.params.key), {
        headers: ample.request.headers,
        body: ample.request.body,
      });
      expect(response.status).toBe(ample.response.status);
      if (ample.response.body !== undefined) expect(response.body.toString()).toBe(ample.response.body);
    }
  });
});
