import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childPids } from '../../../test-support/child-process.js';
import { type ServerProcess, startServersStoppedAfterEach } from '../../../test-support/server-process.js';
import { oneShot, throughWorker } from '../../../test-support/workers.js';

// A kask-ts process with two workers, as an operator runs it: what /insight and /metrics say covers the whole
// service, and no session key is ever in its log, its metrics or its insight.

const start = startServersStoppedAfterEach();
const secret = 'the secret of these tests, 32 bytes or more';
const hashOf = (key: string) => createHmac('sha256', secret).update(key).digest('hex').slice(0, 16);

const secretDirectory = mkdtempSync(join(tmpdir(), 'kask-insight-'));
const secretFile = join(secretDirectory, 'insight.key');
writeFileSync(secretFile, `${secret}\n`);
afterAll(() => rmSync(secretDirectory, { recursive: true, force: true }));

/** A server of two workers with insight, logging at debug. */
function serverWithInsight(file: Record<string, unknown> = {}): Promise<ServerProcess> {
  return start({ workers: 2, log_level: 'debug', insight: { secret_file: secretFile }, ...file });
}

describe('insight across workers', () => {
  it("a key written through both workers counts every write: the workers' counts are merged, not summed per worker", async () => {
    const server = await serverWithInsight();
    const [first, second] = childPids(server.child.pid as number) as [number, number];
    const post = (key: string, times: number) => async () => {
      for (let i = 0; i < times; i++) {
        expect((await oneShot(`${server.baseUrl}${key}`, { method: 'POST', body: 'same' })).status).toBe(201);
      }
    };
    await throughWorker(server, first, post('my_wiki:MWSession:shared', 4));
    await throughWorker(server, second, post('my_wiki:MWSession:shared', 3));
    await throughWorker(server, second, post('my_wiki:MWSession:alone', 1));
    const insight = JSON.parse(await (await oneShot(`${server.origin}/insight`)).text()).namespaces.default;
    expect(insight.writes).toBe(8);
    expect(insight.top_keys[0]).toEqual({ key_hash: hashOf('my_wiki:MWSession:shared'), writes: 7 });
    // Per worker the shared key was written 2-5 times: merged, it is one key written 7 times.
    expect(insight.keys_by_writes).toEqual({ '1': 1, '2-5': 0, '6-20': 1, '21+': 0 });
    const metrics = await (await oneShot(`${server.origin}/metrics`)).text();
    expect(metrics).toContain('kask_written_keys{namespace="default",writes="6-20"} 1');
    expect(metrics).toContain('kask_written_keys{namespace="default",writes="2-5"} 0');
    // Each worker compared its writes on the one store: 6 of the 8 rewrote the value the key held.
    expect(metrics).toContain('kask_same_value_writes_total{namespace="default"} 6');
  });
});

/** MediaWiki's rawurlencode of a key: encodeURIComponent, and !'()* too. */
function rawUrlEncoded(key: string): string {
  return encodeURIComponent(key).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

describe('no session id leaves the service', () => {
  it('after writes, rewrites, deletes and errors, no key is in the log (at debug), /metrics or /insight, in any encoding', async () => {
    const server = await serverWithInsight({ max_key_bytes: 100, max_value_bytes: 256 });
    const id = () => randomBytes(16).toString('hex');
    const keys = [
      `my_wiki:MWSession:${id()}`,
      `my_wiki:MWSession:${id()}`,
      `my_wiki:MWSession:é (${id()})*!`,
      `my_wiki:MWSession:${id()}${'x'.repeat(100)}`,
    ];
    const values = keys.map(() => `{"wsToken":"${id()}"}`);
    const statuses = new Set<number>();
    for (const [i, key] of keys.entries()) {
      const value = values[i] as string;
      const url = `${server.baseUrl}${rawUrlEncoded(key)}`;
      const send = async (method: string, body?: string, headers: Record<string, string> = {}, at = url) =>
        statuses.add((await oneShot(at, { method, ...(body === undefined ? {} : { body }), headers })).status);
      await send('POST', value);
      await send('POST', value);
      await send('POST', `${value}.`);
      await send('GET');
      await send('HEAD');
      await send('POST', value, { 'if-match': '"not-the-etag"' });
      await send('PUT', value);
      await send('PATCH');
      await send('PATCH', undefined, { 'cache-control': 'max-age=60' });
      await send('POST', '');
      await send('POST', value, { 'cache-control': 'max-age=soon' });
      await send('POST', 'v'.repeat(300));
      await send('GET', undefined, {}, `${url}?query`);
      await send('GET', undefined, {}, `${url}%ZZ`);
      await send('OPTIONS');
      await send('DELETE');
      await send('GET');
    }
    // Every kind of answer was given: successes, refusals, conflicts, preconditions, limits, unknown methods.
    expect([...statuses].sort()).toEqual([200, 201, 204, 400, 404, 405, 409, 412, 413]);
    const metrics = await (await oneShot(`${server.origin}/metrics`)).text();
    const insight = await (await oneShot(`${server.origin}/insight`)).text();
    expect(JSON.parse(insight).namespaces.default.top_keys.map(({ key_hash }: { key_hash: string }) => key_hash)).toContain(
      hashOf(keys[0] as string),
    );
    expect(await server.stop()).toBe(0);
    const log = server.output();
    expect(log).toContain('"level":"DEBUG"');
    for (const [where, text] of Object.entries({ log, metrics, insight })) {
      for (const secretText of [...keys, ...values]) {
        for (const form of new Set([secretText, encodeURIComponent(secretText), rawUrlEncoded(secretText)])) {
          expect(text.includes(form), `${where} holds ${form}`).toBe(false);
        }
      }
    }
  });
});
