import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';

const kaskOpenApi = fileURLToPath(new URL('../fixtures/kask-openapi.yaml', import.meta.url));
const sessionstoreFile = fileURLToPath(new URL('../../../deploy/examples/sessionstore.yaml', import.meta.url));

/**
 * Wikimedia's sessionstore configuration as the chart renders it (deploy/examples/sessionstore.yaml: Kask's keys only,
 * `base_uri` without slashes, `openapi_spec` relative, Cassandra over TLS without host verification), on loopback at
 * `port`, with the `cassandra` keys given replacing the file's (a test's own node, a CA that stands in for the chart's).
 */
export function chartConfig(port: number, cassandra: Record<string, unknown>): string {
  const file = parse(readFileSync(sessionstoreFile, 'utf8'));
  return stringify({ ...file, listen_address: '127.0.0.1', listen_port: port, cassandra: { ...file.cassandra, ...cassandra } });
}

/** A working directory holding Kask's openapi.yaml, as Kask's image has it next to the binary. */
export function kaskWorkingDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'kask-dropin-'));
  copyFileSync(kaskOpenApi, join(directory, 'openapi.yaml'));
  // A stand-in for the CA a Cassandra block names when the block is not used (storage: embedded).
  writeFileSync(join(directory, 'ca.crt'), '-----BEGIN CERTIFICATE-----\n');
  return directory;
}

interface XAmple {
  readonly request: {
    readonly params: Record<string, string>;
    readonly headers?: Record<string, string>;
    readonly body?: string;
  };
  readonly response: { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string };
}

/**
 * Does what Wikimedia's service-checker does with `/openapi`: every x-ample, POST before GET as the document
 * lists them, with its parameters put into the path, answered with the status, headers and body it expects.
 */
export async function replayXAmples(origin: string): Promise<number> {
  const document = parse(await (await fetch(`${origin}/openapi`)).text());
  let replayed = 0;
  for (const [template, item] of Object.entries<Record<string, { 'x-amples'?: XAmple[] }>>(document.paths)) {
    for (const method of ['post', 'get'] as const) {
      for (const { request, response } of item[method]?.['x-amples'] ?? []) {
        const path = template.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(request.params[name] ?? ''));
        const answer = await fetch(`${origin}${path}`, {
          method: method.toUpperCase(),
          headers: request.headers,
          body: request.body,
        });
        expect(answer.status).toBe(response.status);
        for (const [name, value] of Object.entries(response.headers ?? {})) expect(answer.headers.get(name)).toBe(value);
        if (response.body !== undefined) expect(await answer.text()).toBe(response.body);
        replayed++;
      }
    }
  }
  return replayed;
}
