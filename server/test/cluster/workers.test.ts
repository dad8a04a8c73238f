import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestAuthority } from '../../../test-support/certificates.js';
import { childPids } from '../../../test-support/child-process.js';
import { configPathOf, freePort, postAcrossSigterm, startServersStoppedAfterEach } from '../../../test-support/server-process.js';
import { oneShot, throughWorker } from '../../../test-support/workers.js';
import { defaultWorkers } from '../../src/cluster/default-workers.js';
import { openEmbeddedDatabases, openEmbeddedStorage } from '../../src/storage/lmdb/lmdb.js';

const start = startServersStoppedAfterEach();

/** Holds a worker forked while a file exists before it listens (see the fixture). */
const holdNewWorkers = fileURLToPath(new URL('../fixtures/hold-new-workers.cjs', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Kills one of `primary`'s two workers and returns its replacement's pid as soon as it is forked (before it listens). */
async function replaceOneWorker(primary: number): Promise<number> {
  const [victim, survivor] = childPids(primary) as [number, number];
  process.kill(victim, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const replacement = childPids(primary).find((pid) => pid !== victim && pid !== survivor);
    if (replacement !== undefined) return replacement;
    if (Date.now() > deadline) throw new Error('no replacement worker forked within 10 s');
    await sleep(10);
  }
}

describe('workers', () => {
  it('the primary runs the configured number of workers, and they share the port', async () => {
    const server = await start({ workers: 3 });
    // start() waits for every worker to listen, so that a test can kill one without stopping the service (a
    // worker that dies before it listens does); /healthz alone answers once the first one listens.
    expect(server.output()).toContain('"msg":"every worker is serving"');
    expect(childPids(server.child.pid as number)).toHaveLength(3);
    // Three workers on a machine that fits fewer (2 cores, say) are warned about, with the count that fits and why.
    const fitting = defaultWorkers();
    const warnings = server
      .output()
      .split('\n')
      .filter((line) => line.includes('"more serving processes than this machine fits"'))
      .map((line) => JSON.parse(line));
    expect(warnings).toEqual(
      fitting.count < 3
        ? [expect.objectContaining({ level: 'WARNING', workers: 3, fits: fitting.count, reason: fitting.reason })]
        : [],
    );
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => oneShot(`${server.baseUrl}k${i}`, { method: 'POST', body: 'v' })),
    );
    expect(statuses.map((r) => r.status)).toEqual(statuses.map(() => 201));
  });

  it('a value written through one worker is read through the other (one store)', async () => {
    const server = await start({ workers: 2 });
    const [first, second] = childPids(server.child.pid as number) as [number, number];
    await throughWorker(server, first, () => oneShot(`${server.baseUrl}shared`, { method: 'POST', body: 'one store' }));
    const read = await throughWorker(server, second, () => oneShot(`${server.baseUrl}shared`).then((r) => r.text()));
    expect(read).toBe('one store');
  });

  it('/metrics sums every worker: one scrape counts the requests all of them answered', async () => {
    const server = await start({ workers: 2 });
    for (const worker of childPids(server.child.pid as number)) {
      await throughWorker(server, worker, async () => {
        for (let i = 0; i < 10; i++) await oneShot(`${server.baseUrl}absent-${i}`);
      });
    }
    for (let scrape = 0; scrape < 4; scrape++) {
      const text = await (await oneShot(`${server.origin}/metrics`)).text();
      expect(text).toContain('http_requests_total{namespace="default",code="404",method="GET"} 20');
      expect(text.match(/^kask_build_info\{.*\} 1$/m)).not.toBeNull();
    }
  });

  it('each worker accepts its own connections: new connections are answered while the primary is stopped', async () => {
    const server = await start({ workers: 2 });
    const primary = server.child.pid as number;
    process.kill(primary, 'SIGSTOP');
    try {
      // With node:cluster's default the primary accepts every connection and hands it over: these would hang.
      const answered = Promise.all(Array.from({ length: 10 }, (_, i) => oneShot(`${server.baseUrl}absent-${i}`)));
      const hanging = sleep(10_000).then(() => 'unanswered after 10 s');
      expect(await Promise.race([answered.then((responses) => responses.map((r) => r.status)), hanging])).toEqual(
        Array.from({ length: 10 }, () => 404),
      );
    } finally {
      process.kill(primary, 'SIGCONT');
    }
  });

  it('a worker that dies is replaced, the death is logged, and the service keeps answering', async () => {
    const server = await start({ workers: 2 });
    const [victim] = childPids(server.child.pid as number);
    process.kill(victim as number, 'SIGKILL');
    const deadline = Date.now() + 10000;
    // Replaced: two workers again, the new one listening (the third "serving sessions" line).
    const replaced = () => {
      const pids = childPids(server.child.pid as number);
      const serving = server.output().split('"msg":"serving sessions"').length - 1;
      return pids.length === 2 && !pids.includes(victim as number) && serving === 3;
    };
    while (!replaced() && Date.now() < deadline) await sleep(100);
    const now = childPids(server.child.pid as number);
    expect(now).toHaveLength(2);
    expect(now).not.toContain(victim);
    for (let i = 0; i < 10; i++) expect((await oneShot(`${server.origin}/healthz`)).status).toBe(200);
    expect(server.output()).toContain('a worker exited; starting a replacement');
  });

  it('a connection made while every worker is stopped is not left hanging when they die, and the service goes on', async () => {
    const server = await start({ workers: 2 });
    const workers = childPids(server.child.pid as number);
    // Stopped workers cannot take a connection: it waits in the socket they share until they die.
    for (const pid of workers) process.kill(pid, 'SIGSTOP');
    const { hostname, port } = new URL(server.origin);
    const client = connect(Number(port), hostname);
    client.on('error', () => {}); // a reset is as good as a close here
    const closed = new Promise((resolve) => client.on('close', resolve));
    client.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    await sleep(500);
    for (const pid of workers) process.kill(pid, 'SIGKILL');
    const hanging = sleep(10_000).then(() => 'still open 10 s after its worker died');
    expect(await Promise.race([closed.then(() => 'closed'), hanging])).toBe('closed');
    // Both replaced: the service answers again.
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = await oneShot(`${server.origin}/healthz`).then(
        (response) => response.status,
        () => 0,
      );
      if (status !== 200) await sleep(200);
    }
    expect(status).toBe(200);
  });

  it('while a replacement worker starts, /readyz, /healthz and /metrics answer from the workers that serve', async () => {
    const holding = mkdtempSync(join(tmpdir(), 'kask-ts-hold-'));
    const holdFile = join(holding, 'hold');
    const env = { ...process.env, NODE_OPTIONS: `--require ${holdNewWorkers}`, KASK_TEST_HOLD_WORKERS: holdFile };
    try {
      const server = await start({ workers: 2 }, { env });
      // Held before it listens, as a slow start (a Cassandra connection) would hold it.
      writeFileSync(holdFile, '');
      await replaceOneWorker(server.child.pid as number);
      const ready = await oneShot(`${server.origin}/readyz`);
      expect([ready.status, await ready.text()]).toEqual([
        200,
        JSON.stringify({ status: 'ready', namespaces: { default: true } }),
      ]);
      const health = JSON.parse(await (await oneShot(`${server.origin}/healthz`)).text());
      expect(health.storage).toEqual({ backend: 'embedded', available: true, namespaces: { default: true } });
      expect((await oneShot(`${server.baseUrl}absent`)).status).toBe(404);
      const metrics = await oneShot(`${server.origin}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('http_requests_total{namespace="default",code="404",method="GET"} 1');
      expect(server.output().split('"msg":"serving sessions"').length - 1).toBe(2);
    } finally {
      rmSync(holding, { recursive: true, force: true });
    }
  });

  it('a worker that dies while /readyz waits for it no longer holds the answer back', async () => {
    const server = await start({ workers: 2 });
    const [stuck] = childPids(server.child.pid as number) as [number, number];
    // A stopped worker cannot answer the readiness ping: the answer waits for it (and would be 503 at the deadline).
    process.kill(stuck, 'SIGSTOP');
    const ready = oneShot(`${server.origin}/readyz`);
    await sleep(500);
    process.kill(stuck, 'SIGKILL');
    const answer = await ready;
    expect([answer.status, await answer.text()]).toEqual([
      200,
      JSON.stringify({ status: 'ready', namespaces: { default: true } }),
    ]);
  });

  it('SIGHUP while a replacement worker starts reloads it once it listens instead of ending it', async () => {
    const pki = createTestAuthority();
    try {
      const server = await start({ workers: 2, tls: pki.server() });
      const primary = server.child.pid as number;
      // The replacement takes a good part of a second to listen: the SIGHUP finds it starting.
      await replaceOneWorker(primary);
      process.kill(primary, 'SIGHUP');
      const deadline = Date.now() + 10_000;
      const reloads = () => server.output().split('"msg":"TLS certificates reloaded"').length - 1;
      while (reloads() < 2 && Date.now() < deadline) await sleep(100);
      expect(server.output()).not.toContain('"signal":"SIGHUP"');
      expect(reloads()).toBe(2);
      expect(childPids(primary)).toHaveLength(2);
    } finally {
      pki.remove();
    }
  });

  it('SIGTERM drains every worker: an in-flight request finishes, then all processes exit 0', async () => {
    const server = await start({ workers: 2 });
    const workers = childPids(server.child.pid as number);
    expect(await postAcrossSigterm(server, 'draining')).toBe(201);
    expect(await server.stop()).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    expect(server.output()).toContain('draining every worker');
  });

  it('a clustered embedded store purges expired values in the background', async () => {
    const server = await start({ workers: 2, default_ttl: 1, embedded: { purge_interval_ms: 200 } });
    await oneShot(`${server.baseUrl}expiring`, { method: 'POST', body: 'soon gone' });
    await sleep(2000);
    await server.stop();
    const store = openEmbeddedStorage({ path: join(server.directory, 'data'), purgeIntervalMs: undefined });
    expect(await store.purgeExpired()).toBe(0);
    await store.close();
  });

  it("with namespaces, /readyz and /healthz report each namespace of every worker, and the primary purges every namespace's database", async () => {
    const namespaces = { sessions: { base_uri: '/sessions/v1/' }, echoseen: { base_uri: '/echoseen/v1/', default_ttl: 1 } };
    const server = await start({ workers: 2, namespaces, embedded: { purge_interval_ms: 200 } });
    for (let i = 0; i < 4; i++) {
      expect(JSON.parse(await (await oneShot(`${server.origin}/readyz`)).text())).toEqual({
        status: 'ready',
        namespaces: { sessions: true, echoseen: true },
      });
    }
    const health = JSON.parse(await (await oneShot(`${server.origin}/healthz`)).text());
    expect(health.storage).toEqual({ backend: 'embedded', available: true, namespaces: { sessions: true, echoseen: true } });
    await oneShot(`${server.origin}/echoseen/v1/expiring`, { method: 'POST', body: 'soon gone' });
    await sleep(2000);
    await server.stop();
    const [echoseen] = openEmbeddedDatabases({ path: join(server.directory, 'data'), purgeIntervalMs: undefined }, ['echoseen']);
    expect(await echoseen?.purgeExpired()).toBe(0);
    await echoseen?.close();
  });

  it('a replacement that cannot start leaves the other worker serving, and is tried again until it starts', async () => {
    const server = await start({ workers: 2 });
    const configPath = configPathOf(server);
    const config = readFileSync(configPath, 'utf8');
    writeFileSync(configPath, 'listen_port: [broken');
    const [victim] = childPids(server.child.pid as number);
    process.kill(victim as number, 'SIGKILL');
    const deadline = Date.now() + 20000;
    const retries = () => server.output().split('a replacement worker exited before it listened').length - 1;
    while (retries() < 2 && Date.now() < deadline) await sleep(100);
    expect(retries()).toBeGreaterThanOrEqual(2);
    expect(server.hasExited()).toBe(false);
    for (let i = 0; i < 6; i++) expect((await oneShot(`${server.origin}/healthz`)).status).toBe(200);
    writeFileSync(configPath, config);
    const serving = () => server.output().split('"msg":"serving sessions"').length - 1;
    while (serving() < 3 && Date.now() < deadline + 10000) await sleep(100);
    expect(serving()).toBe(3);
    expect(childPids(server.child.pid as number)).toHaveLength(2);
  });

  it('a service whose workers cannot start exits non-zero instead of respawning them forever', async () => {
    const occupied = createServer((socket) => socket.destroy());
    const port = await freePort();
    await new Promise<void>((resolve) => occupied.listen(port, '127.0.0.1', resolve));
    try {
      await expect(start({ workers: 2, listen_port: port })).rejects.toThrow(/exited with 1 during start-up/);
    } finally {
      occupied.close();
    }
  });
});
