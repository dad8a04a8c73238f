import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startServersStoppedAfterEach } from '../../../../test-support/server-process.js';

// Quotas as a client meets them, with two worker processes writing at once: the count each namespace keeps is
// shared by the workers, so a namespace takes exactly as many keys as its quota, however the writes interleave.

const start = startServersStoppedAfterEach();
const insufficientStorage = 'https://www.mediawiki.org/wiki/Kask/errors/insufficient_storage';

/** POSTs on a connection of its own (either worker may take it): the status and the problem's detail. */
function post(url: string, body: string): Promise<{ status: number; type?: string; detail?: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method: 'POST', agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        resolve(status === 201 ? { status } : { status, ...(JSON.parse(Buffer.concat(chunks).toString()) as object) });
      });
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

describe('namespace quotas with two workers', () => {
  it('a namespace takes exactly max_keys keys under concurrent writers, refuses the rest with 507 naming the quota, and another namespace is not limited', async () => {
    const maxKeys = 40;
    const server = await start({
      workers: 2,
      namespaces: { limited: { base_uri: '/limited/', max_keys: maxKeys }, free: { base_uri: '/free/' } },
    });
    const writes = Array.from({ length: 100 }, (_, i) => post(`${server.origin}/limited/key-${i}`, `value ${i}`));
    const answers = await Promise.all(writes);
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(maxKeys);
    const refusals = answers.filter((answer) => answer.status === 507);
    expect(refusals).toHaveLength(100 - maxKeys);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ type: insufficientStorage, detail: expect.stringContaining(`max_keys: ${maxKeys}`) });
      expect(refusal.detail).not.toContain('key-');
    }
    for (let i = 0; i < 50; i++) expect((await post(`${server.origin}/free/key-${i}`, 'v')).status).toBe(201);

    // A delete makes room for exactly one more key.
    const kept = answers.findIndex((answer) => answer.status === 201);
    expect((await fetch(`${server.origin}/limited/key-${kept}`, { method: 'DELETE' })).status).toBe(204);
    expect((await post(`${server.origin}/limited/another`, 'v')).status).toBe(201);
    expect((await post(`${server.origin}/limited/one-more`, 'v')).status).toBe(507);

    const metrics = await (await fetch(`${server.origin}/metrics`)).text();
    expect(metrics).toContain(`kask_storage_refusals_total{namespace="limited",reason="quota_keys"} ${100 - maxKeys + 1}`);
  }, 60_000);
});
