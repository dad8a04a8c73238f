import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { send } from '../harness/http.js';

describe('operational routes', () => {
  it("/healthz answers 200 JSON with Kask's build fields and the storage state", async () => {
    const response = await send('GET', '/healthz');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toMatchObject({
      version: expect.any(String),
      build_date: expect.any(String),
      build_host: expect.any(String),
      storage: { backend: expect.any(String), available: expect.any(Boolean) },
    });
  });

  it('/readyz answers 200 {"status":"ready"} with every namespace available while the storage answers', async () => {
    const response = await send('GET', '/readyz');
    expect(response.status).toBe(200);
    const body = JSON.parse(response.body.toString());
    expect(body.status).toBe('ready');
    expect(Object.values(body.namespaces)).not.toContain(false);
  });

  it('/metrics answers 200 in the Prometheus text format', async () => {
    const response = await send('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('/openapi answers 200 YAML', async () => {
    const response = await send('GET', '/openapi');
    expect(response.status).toBe(200);
    expect(() => parse(response.body.toString())).not.toThrow();
  });
});
