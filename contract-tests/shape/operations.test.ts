import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { send } from '../harness/http.js';
import { httpMethods, type Json, sessionPathTemplate, spec } from '../harness/spec.js';
import { target } from '../harness/target.js';

function isMapping(node: unknown): node is Json {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

/** The operations of a path item: each method it declares, with the operation's operationId. */
function operationIds(pathItem: unknown): Record<string, unknown> {
  if (!isMapping(pathItem)) return {};
  const methods = httpMethods.map((method) => method.toLowerCase()).filter((method) => pathItem[method] !== undefined);
  return Object.fromEntries(methods.map((method) => [method, (pathItem[method] as Json | null)?.operationId]));
}

describe('operational routes', () => {
  it("/healthz answers 200 JSON with Kask's build fields and the storage state", async () => {
    const response = await send('GET', '/healthz');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toMatchObject({
      version: expect.any(String),
      build_date: expect.any(String),
      build_host: expect.any(String),
      git_commit: expect.any(String),
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

  it('/openapi answers 200 YAML: an OpenAPI 3.1 document with the session route under the base path and every operation', async () => {
    const response = await send('GET', '/openapi');
    expect(response.status).toBe(200);
    expect(() => parse(response.body.toString())).not.toThrow();
    // Any text parses as YAML (a plain string to a string, nothing to null): the answer must be the document.
    const document: unknown = parse(response.body.toString());
    expect(document, 'the answer is a YAML mapping').toSatisfy(isMapping);
    const { openapi, paths } = document as Json;
    expect(openapi).toEqual(expect.stringMatching(/^3\.1\./));
    expect(paths, 'its paths are a mapping').toSatisfy(isMapping);
    // The document's own paths, the session route under the target's base path: each with the same operations.
    const declared = Object.fromEntries(
      Object.entries(spec.paths as Json).map(([path, item]) => [
        path === sessionPathTemplate ? `${target.basePath}{key}` : path,
        operationIds(item),
      ]),
    );
    expect(Object.keys(declared)).toEqual(
      expect.arrayContaining([`${target.basePath}{key}`, '/healthz', '/readyz', '/metrics', '/openapi']),
    );
    const served = Object.fromEntries(Object.keys(declared).map((path) => [path, operationIds((paths as Json)[path])]));
    expect(served).toEqual(declared);
  });
});
