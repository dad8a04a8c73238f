import { readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { configPathOf, runCli, startServersStoppedAfterEach } from '../../../test-support/server-process.js';

// What each namespace holds, as /metrics and `kask-ts stats` report it: keys, bytes, quota shares, the filesystem.

const start = startServersStoppedAfterEach();

const namespaces = { sessions: { base_uri: '/sessions/v1/', max_bytes: 1000 }, echo: { base_uri: '/echo/v1/' } };

async function write(url: string, body: string): Promise<void> {
  expect((await fetch(url, { method: 'POST', body })).status).toBe(201);
}

describe('the census of each namespace', () => {
  it('/metrics gives the keys, bytes, bytes written, quota shares and filesystem of each namespace, the same with two workers', async () => {
    const server = await start({ workers: 2, max_keys: 10, namespaces });
    await write(`${server.origin}/sessions/v1/one`, 'x'.repeat(97));
    await write(`${server.origin}/sessions/v1/two`, 'x'.repeat(97));
    await write(`${server.origin}/echo/v1/seen`, 'y');
    const metrics = await (await fetch(`${server.origin}/metrics`)).text();
    expect(metrics).toContain('kask_resident_keys{namespace="sessions"} 2');
    expect(metrics).toContain('kask_resident_bytes{namespace="sessions"} 200');
    expect(metrics).toContain('kask_resident_keys{namespace="echo"} 1');
    expect(metrics).toContain('kask_quota_used_ratio{namespace="sessions",quota="max_bytes"} 0.2');
    expect(metrics).toContain('kask_quota_used_ratio{namespace="echo",quota="max_keys"} 0.1');
    expect(metrics).toMatch(/kask_filesystem_free_bytes\{namespace="echo"\} [1-9]/);
    // Bytes written only grow: a counter, which Prometheus takes the rate() of (the workers' largest, not their sum).
    expect(metrics).toContain('# TYPE kask_stored_written_bytes_total counter');
    expect(metrics).toContain('kask_stored_written_bytes_total{namespace="sessions"} 200');
    expect(metrics).not.toMatch(/="(?:one|two|seen)"/);
  }, 60_000);

  it('kask-ts stats prints the same as JSON, with the bytes written per second, never a key', async () => {
    const server = await start({ workers: 1, namespaces });
    await write(`${server.origin}/sessions/v1/one`, 'x'.repeat(97));
    // Written until the command has read twice, however long it takes to start (bounded).
    let measuring = true;
    const writing = (async () => {
      for (let i = 0; measuring && i < 600; i++) {
        await write(`${server.origin}/echo/v1/k${i}`, 'y'.repeat(98));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const output = await runCli(['stats', '--config', configPathOf(server), '--seconds', '1']).finally(() => {
      measuring = false;
    });
    await writing;
    const report = JSON.parse(output) as {
      backend: string;
      namespaces: Record<string, { keys: number; bytes: number; written_bytes_per_second: number; quota_used_share: object }>;
    };
    expect(report.backend).toBe('embedded');
    expect(report.namespaces.sessions).toMatchObject({ keys: 1, bytes: 100, quota_used_share: { max_bytes: 0.1 } });
    expect(report.namespaces.echo?.written_bytes_per_second).toBeGreaterThan(0);
    expect(output).not.toMatch(/"one"|k\d/);
  }, 60_000);

  it('kask-ts stats answers zeros for a namespace added to the file since the server started (its database not made yet)', async () => {
    const server = await start({ workers: 1, namespaces });
    await write(`${server.origin}/sessions/v1/one`, 'x'.repeat(97));
    const configPath = configPathOf(server);
    const config = readFileSync(configPath, 'utf8');
    writeFileSync(configPath, config.replace(/\nnamespaces:\n/, "\nnamespaces:\n  later:\n    base_uri: '/later/v1/'\n"));
    expect(readFileSync(configPath, 'utf8')).toContain('later:');
    const report = JSON.parse(await runCli(['stats', '--config', configPath, '--seconds', '0.1'])) as {
      namespaces: Record<string, object>;
    };
    expect(report.namespaces.sessions).toMatchObject({ keys: 1, bytes: 100 });
    expect(report.namespaces.later).toMatchObject({ keys: 0, bytes: 0, written_bytes_per_second: 0, estimated: false });
  }, 60_000);

  it('/readyz answers 503 above readyz_max_used_share of a quota, naming the namespace and the quota, and 200 again below it; /healthz shows the alarm, the storage available', async () => {
    // The threshold lies above the share of the test machine's filesystem in use, which counts too.
    const filesystem = statfsSync(tmpdir());
    const filesystemShare = 1 - filesystem.bavail / filesystem.blocks;
    const threshold = Math.max(0.5, Math.ceil(filesystemShare * 100 + 1) / 100);
    expect(threshold).toBeLessThan(0.99);
    const maxKeys = 100;
    const server = await start({
      workers: 1,
      readyz_max_used_share: threshold,
      namespaces: { sessions: { base_uri: '/sessions/v1/', max_keys: maxKeys }, echo: { base_uri: '/echo/v1/' } },
    });
    const within = Math.floor(threshold * maxKeys);
    for (let i = 0; i < within; i++) await write(`${server.origin}/sessions/v1/k${i}`, 'v');
    expect((await fetch(`${server.origin}/readyz`)).status).toBe(200);
    await write(`${server.origin}/sessions/v1/over`, 'v');
    const notReady = await fetch(`${server.origin}/readyz`);
    expect(notReady.status).toBe(503);
    const reason = `it uses ${within + 1} % of its quota max_keys, above readyz_max_used_share (${threshold})`;
    expect(((await notReady.json()) as { detail: string }).detail).toBe(
      `Namespace sessions is not ready for what it holds (its storage answers): ${reason}`,
    );
    // A growth alarm, not an outage: an alert on `available` must not page for it.
    expect(await (await fetch(`${server.origin}/healthz`)).json()).toMatchObject({
      storage: { available: true, namespaces: { sessions: true, echo: true }, alarms: { sessions: reason } },
    });
    expect((await fetch(`${server.origin}/sessions/v1/over`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${server.origin}/readyz`)).status).toBe(200);
    expect(((await (await fetch(`${server.origin}/healthz`)).json()) as { storage: object }).storage).not.toHaveProperty(
      'alarms',
    );
  }, 60_000);

  it('without readyz_max_used_share, /readyz stays 200 at a full quota, naming it in full, as /healthz does, until room is made', async () => {
    const server = await start({ workers: 2, max_keys: 1 });
    await write(`${server.baseUrl}only`, 'v');
    expect(await (await fetch(`${server.origin}/readyz`)).json()).not.toHaveProperty('full');
    expect((await fetch(`${server.baseUrl}more`, { method: 'POST', body: 'v' })).status).toBe(507);
    const full = { default: 'its quota max_keys (1) is reached: new keys are refused until it holds fewer' };
    const ready = await fetch(`${server.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ full });
    expect(await (await fetch(`${server.origin}/healthz`)).json()).toMatchObject({ storage: { available: true, full } });
    // A rewrite no larger is taken, and the namespace is still at its quota.
    await write(`${server.baseUrl}only`, 'w');
    expect(await (await fetch(`${server.origin}/readyz`)).json()).toMatchObject({ full });
    expect((await fetch(`${server.baseUrl}only`, { method: 'DELETE' })).status).toBe(204);
    expect(await (await fetch(`${server.origin}/readyz`)).json()).not.toHaveProperty('full');
  }, 60_000);
});
