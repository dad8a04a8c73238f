import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { answers200, childPids, groupRuns, startProcess, waitUntilReady } from '../../test-support/child-process.js';
import { accepts } from '../../test-support/free-port.js';
import {
  configPathOf,
  freePort,
  postAcrossSigterm,
  spawnCli,
  startServersStoppedAfterEach,
} from '../../test-support/server-process.js';
import { until } from '../../test-support/until.js';

const start = startServersStoppedAfterEach();
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the kask-ts process', () => {
  it('--help prints the usage and exits 0', async () => {
    const cli = spawnCli(['--help']);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain('Usage: kask-ts [--config FILE]');
  });

  it('--version prints the package version and exits 0', async () => {
    const cli = spawnCli(['--version']);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/^kask-ts \d+\.\d+\.\d+\n$/);
  });

  it('an unknown option exits 2 with the usage', async () => {
    const cli = spawnCli(['--confg', 'x']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain("Unknown option '--confg'");
  });

  it('schema prints the keyspace and table CQL for the configured names and replication', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kask-schema-')), 'config.yaml');
    writeFileSync(path, 'cassandra:\n  keyspace: sessions\n  table: echoseen\n');
    const cli = spawnCli(['schema', '--config', path, '--replication', 'eqiad=3,codfw=3']);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toBe(
      `CREATE KEYSPACE IF NOT EXISTS "sessions" WITH replication = {'class': 'NetworkTopologyStrategy', 'eqiad': 3, 'codfw': 3};\n` +
        `CREATE TABLE IF NOT EXISTS "sessions"."echoseen" (key text PRIMARY KEY, value blob);\n`,
    );
  });

  it('schema whose reader has gone (| head -1) exits 0 without a stack trace', async () => {
    const cli = spawnCli(['schema', '--replication', 'dc1=3']);
    // The read end closes before the CLI writes: its writes fail with EPIPE.
    cli.child.stdout?.destroy();
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toBe('');
  });

  it('schema without --replication exits 2 and says what is missing', async () => {
    const cli = spawnCli(['schema']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('schema needs --replication');
  });

  it('an invalid configuration exits 2 naming the key', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kask-bad-')), 'config.yaml');
    writeFileSync(path, 'listen_port: 8080\ncassandra:\n  query_timeout: 100\n');
    const cli = spawnCli(['--config', path]);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toContain('configuration error: cassandra.query_timeout: is not a known configuration key');
  });

  it("starts from a Kask configuration file with storage: embedded added, and logs Kask's fields", async () => {
    const port = await freePort();
    const server = await start({
      service_name: 'sessionstore',
      listen_port: port,
      default_ttl: 3600,
      log_level: 'info',
      storage: 'embedded',
      cassandra: { hosts: ['localhost'], port: 9042, keyspace: 'sessions', table: 'values', local_dc: 'dc1' },
    });
    expect((await fetch(`${server.baseUrl}k`, { method: 'POST', body: 'v' })).status).toBe(201);
    const line = JSON.parse(server.output().trim().split('\n')[0] as string);
    expect(line).toMatchObject({ appname: 'sessionstore', level: 'INFO', msg: expect.any(String), time: expect.any(String) });
  });

  it('the start-up line gives the URL of every namespace and the absolute path of its store, wherever it runs', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'kask-start-up-line-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'kask-start-up-cwd-'));
    const port = await freePort();
    const config = join(directory, 'config.yaml');
    // Kask's defaults for the rest: base_uri /v1/, and kask-ts's embedded.path ./data, beside the file.
    writeFileSync(config, `listen_address: 127.0.0.1\nlisten_port: ${port}\nworkers: 1\n`);
    const server = spawnCli(['--config', config], elsewhere);
    try {
      const serving = () =>
        server
          .output()
          .split('\n')
          .find((line) => line.includes('"msg":"serving sessions"'));
      await waitUntilReady(server, 'kask-ts', async () => serving() !== undefined);
      const { namespaces } = JSON.parse(serving() as string);
      expect(namespaces).toEqual({
        default: {
          url: `http://127.0.0.1:${port}/v1/`,
          store: `the main database of the embedded store in ${join(directory, 'data')}`,
        },
      });
      expect((await fetch(`${namespaces.default.url}k`, { method: 'POST', body: 'v' })).status).toBe(201);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('values survive a restart of the embedded store', async () => {
    const first = await start();
    expect((await fetch(`${first.baseUrl}persistent`, { method: 'POST', body: 'survives' })).status).toBe(201);
    expect(await first.stop()).toBe(0);
    const second = spawnCli(['--config', configPathOf(first)]);
    try {
      let response: Response | undefined;
      for (let attempt = 0; attempt < 100 && response === undefined; attempt++) {
        response = await fetch(`${first.baseUrl}persistent`).catch(() => undefined);
        if (response === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(response?.status).toBe(200);
      expect(await response?.text()).toBe('survives');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('SIGTERM lets an in-flight request finish, then exits 0 (one process)', async () => {
    const server = await start({ workers: 1 });
    expect(await postAcrossSigterm(server, 'in-flight')).toBe(201);
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain('shutting down');
  });

  it.each([1, 2])('SIGTERM ends a server of %i process(es) whose log reader has gone, with exit 0', async (workers) => {
    const server = await start({ workers });
    server.child.stdout?.destroy();
    // Log lines after the reader has gone: a forged client certificate header is warned about.
    await fetch(`${server.origin}/healthz`, { headers: { 'x-forwarded-client-cert': 'Subject="CN=forged"' } });
    expect(await server.stop()).toBe(0);
  });

  it.each([1, 2])(
    'SIGHUP to a server of %i process(es) without TLS says there is nothing to reload, and the service goes on',
    async (workers) => {
      const server = await start({ workers });
      // A unit file's ExecReload, to the main process; then a terminal's hangup, to the whole group.
      server.signal('SIGHUP');
      await until(() => server.output().includes('nothing to reload'));
      for (const pid of childPids(server.pid)) process.kill(pid, 'SIGHUP');
      await sleep(500);
      expect(server.hasExited()).toBe(false);
      expect(childPids(server.pid)).toHaveLength(workers === 1 ? 0 : workers);
      expect((await fetch(`${server.baseUrl}after-sighup`, { method: 'POST', body: 'v' })).status).toBe(201);
      expect(server.output()).not.toContain('a worker exited');
      expect(await server.stop()).toBe(0);
    },
  );

  it('SIGHUP while the server is still loading, before it listens, does not end it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'kask-early-hup-'));
    const port = await freePort();
    const config = join(directory, 'config.yaml');
    writeFileSync(config, `listen_address: 127.0.0.1\nlisten_port: ${port}\nworkers: 1\nembedded: {path: data}\n`);
    const server = spawnCli(['--config', config], directory);
    try {
      // As a `systemctl reload` right after a start: while the code loads, the storage opens, the port binds.
      for (const after of [100, 150, 250, 400]) {
        await sleep(after - (after === 100 ? 0 : 50));
        server.signal('SIGHUP');
      }
      await until(() => server.hasExited() || server.output().includes('"msg":"serving sessions"'), 20_000);
      expect(server.hasExited(), server.output()).toBe(false);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it.each([
    ['SIGTERM', 1],
    ['SIGINT', 1],
    ['SIGTERM', 2],
    ['SIGINT', 2],
  ] as const)('%s to the pid of `npm start` stops every process it started (%i serving)', async (signal, workers) => {
    const directory = mkdtempSync(join(tmpdir(), 'kask-npm-start-'));
    const port = await freePort();
    const config = join(directory, 'config.yaml');
    writeFileSync(
      config,
      `listen_address: 127.0.0.1\nlisten_port: ${port}\nworkers: ${workers}\nembedded:\n  path: ${join(directory, 'data')}\n`,
    );
    // In a group of its own, signalled as a whole only to clean up after a failure; --ignore-scripts skips the
    // prestart build, which the suite has done.
    const npm = startProcess('npm', ['start', '--silent', '--ignore-scripts', '--', '--config', config], {
      cwd: repositoryRoot,
      group: true,
    });
    try {
      await waitUntilReady(npm, 'npm start', () => answers200(`http://127.0.0.1:${port}/healthz`));
      await until(() => npm.output().includes(workers === 1 ? '"msg":"serving sessions"' : '"msg":"every worker is serving"'));
      // As an operator stops it: `kill <pid>`, to npm alone.
      process.kill(npm.pid, signal);
      await npm.exited;
      await expect.poll(() => groupRuns(npm.pid), { timeout: 10000 }).toBe(false);
      expect(await accepts(port)).toBe(false);
    } finally {
      npm.signal('SIGKILL');
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('the log of a whole contract-like session holds no key and no value, access log included', async () => {
    const server = await start({ log_level: 'debug', access_log: true });
    const key = encodeURIComponent('wiki:MWSession:s3cr3tid');
    await fetch(`${server.baseUrl}${key}`, { method: 'POST', body: 's3cr3tvalue' });
    await fetch(`${server.baseUrl}${key}`);
    await fetch(`${server.baseUrl}${key}?s3cr3t=1`);
    await fetch(`${server.baseUrl}${key}`, { method: 'PUT', body: 's3cr3tvalue' });
    await fetch(`${server.baseUrl}${key}`, { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1) });
    await fetch(`${server.baseUrl}s3cr3t%ZZ`);
    await fetch(`${server.baseUrl}${key}`, { method: 'DELETE' });
    await server.stop();
    expect(server.output().split('"msg":"request"').length - 1).toBeGreaterThanOrEqual(7);
    expect(server.output()).not.toContain('s3cr3t');
  });
});
