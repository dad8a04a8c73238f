import { describe, expect, it } from 'vitest';
import { kaskError, keyPath, newKey, problemOf, send } from '../harness/http.js';
import { type Json, resolve, sessionPathTemplate, spec } from '../harness/spec.js';

// Statuses, content types and bodies only: a stateless mock answers these as a server does. What a value
// becomes after a write is in contract-tests/behaviour/.

const sessionPath = (spec.paths as Record<string, Json>)[sessionPathTemplate] as Json;
const writeBody = resolve((sessionPath.post as Json).requestBody as Json);
const writeExamples = Object.entries((writeBody.content as Record<string, Json>)['*/*']?.examples as Record<string, Json>).map(
  ([name, example]) => [name, resolve(example).value as string] as const,
);

describe('the session route', () => {
  it.each(writeExamples)(
    'POST of the example %s as application/octet-stream answers 201 with an empty body',
    async (_name, value) => {
      const response = await send('POST', keyPath(newKey('write')), {
        body: value,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(response.status).toBe(201);
      expect(response.body.length).toBe(0);
    },
  );

  it('GET of a written key answers 200 application/octet-stream with a value', async () => {
    const key = newKey('read');
    await send('POST', keyPath(key), { body: 'JSON..{"a":1}', headers: { 'content-type': 'application/octet-stream' } });
    const response = await send('GET', keyPath(key));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.body.length).toBeGreaterThan(0);
  });

  it('HEAD of a written key answers 200 with an ETag and no body', async () => {
    const key = newKey('head');
    await send('POST', keyPath(key), { body: 'JSON..{"a":1}', headers: { 'content-type': 'application/octet-stream' } });
    const response = await send('HEAD', keyPath(key));
    expect(response.status).toBe(200);
    expect(response.headers.etag).toBeDefined();
    expect(response.body.length).toBe(0);
  });

  it('DELETE answers 204 with an empty body', async () => {
    const response = await send('DELETE', keyPath(newKey('delete')));
    expect(response.status).toBe(204);
    expect(response.body.length).toBe(0);
  });

  it('a POST without a body answers 400 with a bad_request problem that must not be sniffed', async () => {
    const response = await send('POST', keyPath(newKey('empty')), {
      body: '',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(problemOf(response)).toMatchObject({ type: kaskError('bad_request'), title: 'Bad request' });
  });
});
