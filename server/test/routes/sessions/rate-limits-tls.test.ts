import { afterAll, describe, expect, it } from 'vitest';
import { createTestAuthority } from '../../../../test-support/certificates.js';
import { startServersStoppedAfterEach } from '../../../../test-support/server-process.js';
import { until } from '../../../../test-support/until.js';
import { exchange } from '../../auth/exchange.js';

const start = startServersStoppedAfterEach();
const pki = createTestAuthority();
afterAll(() => pki.remove());

describe('rate limits over TLS with client certificates', () => {
  it('with a client CA and no clients listed, a client over a limit is counted as unlisted, not by its certificate', async () => {
    const { cert, key } = pki.server();
    const server = await start({
      workers: 1,
      tls: { cert, key, client_ca: pki.caFile },
      limits: { writes: { per_second: 1, burst: 1 } },
    });
    const client = pki.client({ commonName: 'chosen-by-the-requester' });
    const as = { ca: pki.caFile, client };
    await until(async () => (await exchange(`${server.origin}/readyz`, as)).status === 200);
    const statuses = [];
    for (const key of ['a', 'b'])
      statuses.push((await exchange(`${server.baseUrl}${key}`, { ...as, method: 'POST', body: 'v' })).status);
    expect(statuses).toEqual([201, 429]);
    const metrics = (await exchange(`${server.origin}/metrics`, as)).body;
    expect(metrics).toContain('kask_rate_limited_total{client="unlisted",namespace="default",limit="namespace_writes"} 1');
    expect(metrics).not.toContain('chosen-by-the-requester');
  });
});
