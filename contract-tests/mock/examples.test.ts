import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyPath, newKey, problemOf, send } from '../harness/http.js';
import { type Json, resolve, spec } from '../harness/spec.js';

// Every named example of every response the document declares, reached with the Prefer header as a
// client developer would: `Prefer: code=503, example=storageDown`.

interface ExampleCase {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly mediaType: string;
  readonly name: string;
  readonly value: unknown;
}

const methods = ['get', 'post', 'delete'];

function exampleCases(): ExampleCase[] {
  const cases: ExampleCase[] = [];
  for (const [route, pathItem] of Object.entries(spec.paths as Record<string, Json>)) {
    for (const method of methods.filter((m) => pathItem[m] !== undefined)) {
      const responses = (pathItem[method] as { responses: Record<string, Json> }).responses;
      for (const [status, reference] of Object.entries(responses)) {
        const content = (resolve(reference).content ?? {}) as Record<string, { examples?: Record<string, Json> }>;
        for (const [mediaType, { examples }] of Object.entries(content)) {
          for (const [name, example] of Object.entries(examples ?? {})) {
            cases.push({
              method: method.toUpperCase(),
              route,
              status: Number(status),
              mediaType,
              name,
              value: resolve(example).value,
            });
          }
        }
      }
    }
  }
  return cases;
}

const cases = exampleCases();
const errorCases = cases.filter((c) => c.status >= 400);
const successCases = cases.filter((c) => c.status < 400);

function request({ method, route, status, name }: ExampleCase) {
  const path = route === '/sessions/v1/{key}' ? keyPath(newKey('example')) : route;
  const headers: Record<string, string> = { prefer: `code=${status}, example=${name}` };
  if (method !== 'POST') return send(method, path, { headers });
  return send(method, path, { headers: { ...headers, 'content-type': 'application/octet-stream' }, body: 'JSON..{"a":1}' });
}

describe('the examples of the document, reached with Prefer', () => {
  it('every error status of every session operation has at least one named example', () => {
    const session = spec.paths as Record<string, Json>;
    const pathItem = session['/sessions/v1/{key}'] as Record<string, { responses: Record<string, Json> }>;
    for (const method of methods) {
      for (const status of Object.keys(pathItem[method]?.responses ?? {}).filter((s) => Number(s) >= 400)) {
        expect(
          errorCases.some((c) => c.method === method.toUpperCase() && c.status === Number(status)),
          `${method} ${status}`,
        ).toBe(true);
      }
    }
  });

  it.each(errorCases.map((c) => [c.method, c.route, c.status, c.name, c] as const))(
    '%s %s with Prefer: code=%d, example=%s answers that problem, not to be sniffed',
    async (_method, _route, status, _name, example) => {
      const response = await request(example);
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      if (status === 503) expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(problemOf(response)).toEqual(example.value);
    },
  );

  it.each(successCases.map((c) => [c.method, c.route, c.status, c.name, c] as const))(
    '%s %s with Prefer: code=%d, example=%s answers that example',
    async (_method, _route, status, _name, example) => {
      const response = await request(example);
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toContain(example.mediaType);
      const text = response.body.toString();
      expect(example.mediaType.endsWith('json') ? JSON.parse(text) : text).toEqual(example.value);
    },
  );
});

describe('HEAD on the mock, as a client checks a key', () => {
  const path = keyPath('my_wiki:MWSession:abc');

  it('HEAD answers the 200 of GET without its content, with the Content-Length of the value', async () => {
    const got = await send('GET', path);
    const head = await send('HEAD', path);
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers.etag).toBe(got.headers.etag);
    expect(head.headers['kask-ttl']).toBe(got.headers['kask-ttl']);
    expect(head.headers['content-length']).toBe(String(got.body.length));
  });

  it.each([304, 404, 412, 413, 503])('HEAD with Prefer: code=%d answers that status, not a 500', async (status) => {
    const got = await send('GET', path, { headers: { prefer: `code=${status}` } });
    const head = await send('HEAD', path, { headers: { prefer: `code=${status}` } });
    expect(head.status).toBe(status);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-type']).toBe(got.headers['content-type']);
    expect(head.headers['content-length']).toBe(got.headers['content-length']);
  });
});

describe('the session values of the document', () => {
  const sessionExamples = spec.components as { examples: Record<string, { value: string }> };

  it('the JSON session is an unsigned RESTBagOStuff envelope: JSON..<json>', () => {
    const [type, hmac, payload] = splitEnvelope(sessionExamples.examples.MediaWikiJsonSession?.value ?? '');
    expect([type, hmac]).toEqual(['JSON', '']);
    expect(() => JSON.parse(payload)).not.toThrow();
  });

  it('the PHP session is a RESTBagOStuff envelope signed with hmac_key 12345: PHP.<hmac>.<serialized>', () => {
    const [type, hmac, payload] = splitEnvelope(sessionExamples.examples.MediaWikiPhpSession?.value ?? '');
    expect(type).toBe('PHP');
    expect(hmac).toBe(createHmac('sha256', '12345').update(payload).digest('base64'));
    expect(payload).toMatch(/^a:\d+:\{.*\}$/);
  });
});

/** TYPE, HMAC and payload of an envelope, split on the first two dots as RESTBagOStuff does. */
function splitEnvelope(envelope: string): [string, string, string] {
  const first = envelope.indexOf('.');
  const second = envelope.indexOf('.', first + 1);
  return [envelope.slice(0, first), envelope.slice(first + 1, second), envelope.slice(second + 1)];
}
