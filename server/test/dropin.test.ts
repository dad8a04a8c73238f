import { rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, type ServerProcess, spawnCli, startServerIn } from '../../test-support/server-process.js';
import { chartConfig, kaskWorkingDirectory, replayXAmples } from './support/kask-dropin.js';

// `storage: embedded` (our key) keeps the file's Cassandra block unused here; its CA, which the chart mounts, is a
// stand-in in the working directory (the configuration checks that it can be read). The same file on a real
// Cassandra over TLS is in cassandra/security.test.ts.
const standInCa = { tls: { ca: 'ca.crt', enable_host_verification: false } };

describe("Wikimedia's sessionstore configuration, as the chart renders it, on the embedded store", () => {
  let server: ServerProcess | undefined;
  let directory: string | undefined;
  afterEach(async () => {
    await server?.stop();
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    server = undefined;
  });

  it("starts, serves sessions under /sessions/v1/, and serves Kask's openapi.yaml rendered, its x-amples passing", async () => {
    directory = kaskWorkingDirectory();
    const port = await freePort();
    const file = `${chartConfig(port, standInCa)}storage: embedded\nembedded: { path: ./data }\n`;
    server = await startServerIn(directory, file, port, '/sessions/v1/');
    const key = `${server.baseUrl}${encodeURIComponent('enwiki:MWSession:abc')}`;
    expect((await fetch(key, { method: 'POST', body: 'JSON..{"a":1}' })).status).toBe(201);
    expect(await (await fetch(key)).text()).toBe('JSON..{"a":1}');

    const openapi = await fetch(`${server.origin}/openapi`);
    expect(openapi.headers.get('content-type')).toMatch(/^application\/x-yaml/);
    const text = await openapi.text();
    expect(text).toContain('\n  "/sessions/v1/{key}":\n');
    expect(text).not.toContain('{{');
    expect(await replayXAmples(server.origin)).toBe(2);

    // The file sets no workers: the start-up log says how many processes serve, and from which limits.
    const chosen = server
      .output()
      .split('\n')
      .filter((line) => line.includes('"serving processes chosen"'))
      .map((line) => JSON.parse(line));
    expect(chosen).toEqual([
      expect.objectContaining({ level: 'INFO', workers: expect.any(Number), reason: expect.stringMatching(/ cores/) }),
    ]);
  });

  it('without openapi.yaml in its working directory it exits 2, naming openapi_spec and the path it looked at', async () => {
    directory = kaskWorkingDirectory();
    rmSync(`${directory}/openapi.yaml`);
    const port = await freePort();
    writeFileSync(`${directory}/config.yaml`, `${chartConfig(port, standInCa)}storage: embedded\n`);
    const missing = spawnCli(['--config', `${directory}/config.yaml`], directory);
    expect(await missing.exited).toBe(2);
    expect(missing.output()).toContain(`configuration error: openapi_spec: cannot read ${directory}/openapi.yaml`);
  });
});
