import { execFileSync } from 'node:child_process';
import { hash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childPids } from '../../../../test-support/child-process.js';
import { removeServerDirectory, type ServerProcess, startServer } from '../../../../test-support/server-process.js';
import { type Filling, fillWhileReading, health, post } from '../../support/filling.js';

// The embedded store on a filesystem that fills up under concurrent writers, with one worker and with two: every
// write answered 201 reads back byte for byte (now and after a restart), every refusal is the document's 507 and
// left its key absent, reads are served throughout, no process dies, and writes succeed again, without a restart,
// once the filesystem has room. The filesystem is a real tmpfs of a few MiB, which only root may mount.

// The store keeps 8 MiB for deletes and purges (storage/lmdb/headroom.ts): about 12 MiB of values fit.
const filesystemMiB = 20;
const grownMiB = 48;
const valueBytes = 64 * 1024;
const writers = 8;
// Each writer stops after this many refusals, or this many writes (the filesystem holds about 180 values).
const refusalsPerWriter = 3;
const writesPerWriter = 120;
const readKeys = 10;

const mounted: string[] = [];
const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await server.stop();
    removeServerDirectory(server);
  }
  for (const mountPoint of mounted.splice(0)) {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  }
}, 60_000);

/** A fresh tmpfs of `sizeMiB`, unmounted after the test. */
function smallFilesystem(sizeMiB: number): string {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'this test mounts a tmpfs to fill, which needs root: run it as root (as the CI does, on a fresh Debian 12 machine)',
    );
  }
  const mountPoint = mkdtempSync(join(tmpdir(), 'kask-ts-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', mountPoint]);
  mounted.push(mountPoint);
  return mountPoint;
}

function resize(mountPoint: string, sizeMiB: number): void {
  execFileSync('mount', ['-o', `remount,size=${sizeMiB}m`, mountPoint]);
}

/** The value written under `key`: its bytes follow from the key, so that a torn or swapped value shows. */
function valueFor(key: string): Buffer {
  const block = hash('sha256', key, 'buffer');
  return Buffer.alloc(valueBytes, block);
}

/** How many of `keys` read back byte for byte, and the answers of those that do not. */
async function intact(server: ServerProcess, keys: readonly string[]) {
  let count = 0;
  const broken: string[] = [];
  for (const key of keys) {
    const response = await fetch(`${server.baseUrl}${key}`);
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status === 200 && body.equals(valueFor(key))) count++;
    else broken.push(`${key}: ${response.status} (${body.length} bytes)`);
  }
  return { count, broken };
}

async function absent(server: ServerProcess, keys: readonly string[]): Promise<string[]> {
  const present: string[] = [];
  for (const key of keys) {
    const response = await fetch(`${server.baseUrl}${key}`);
    await response.arrayBuffer();
    if (response.status !== 404) present.push(`${key}: ${response.status}`);
  }
  return present;
}

describe.each([1, 2])('the embedded store filling its filesystem with %i worker(s)', (workers) => {
  it('refuses writes with 507 and changes nothing, serves reads, loses no acknowledged write, and takes writes again once there is room', async () => {
    const mountPoint = smallFilesystem(filesystemMiB);
    const dataPath = join(mountPoint, 'data');
    const server = await startServer({ workers, embedded: { path: dataPath } });
    servers.push(server);
    const pids = [server.pid, ...childPids(server.pid)];

    const readable = Array.from({ length: readKeys }, (_, i) => `read-${i}`);
    for (const key of readable) expect((await post(`${server.baseUrl}${key}`, valueFor(key))).status).toBe(201);

    const filling: Filling = { valueFor, refusalsPerWriter, writesPerWriter };
    const { tally, reads } = await fillWhileReading(server, pids, readable, filling, writers);

    // A refused write changed nothing: its key, written once, is absent.
    expect(await absent(server, tally.refused)).toEqual([]);
    const before = await intact(server, tally.acknowledged);
    expect(before.broken).toEqual([]);

    // Room again: writes are taken without a restart, each on a connection of its own (so by either worker).
    resize(mountPoint, grownMiB);
    for (let i = 0; i < 4 * workers; i++) {
      const key = `after-${i}`;
      expect((await post(`${server.baseUrl}${key}`, valueFor(key))).status).toBe(201);
      tally.acknowledged.push(key);
    }
    expect((await health(server)).storage.full).toBeUndefined();

    // And after a restart on the same files, every acknowledged write is there, byte for byte.
    await server.stop();
    const restarted = await startServer({ workers, embedded: { path: dataPath } });
    servers.push(restarted);
    const after = await intact(restarted, [...readable, ...tally.acknowledged]);
    expect(after.broken).toEqual([]);
    console.info(
      `full disk, ${workers} worker(s): ${tally.acknowledged.length} acknowledged, ${tally.refused.length} refused (507), ` +
        `${after.count - readable.length} acknowledged intact after a restart, ${reads} reads served while filling`,
    );
  }, 180_000);
});

/**
 * Writes values of 2 to 32 KiB from `clients` clients at once, on and on while refusals come, until `refusals` in
 * all (so that the store's purges run on a filesystem that writers keep full); the statuses answered.
 */
async function pressWhileFull(server: ServerProcess, round: number, clients: number, refusals: number) {
  const statuses: number[] = [];
  let refused = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      // Any other answer (0: the server is gone) ends the round: the test then fails on it.
      for (let i = 0; refused < refusals && !failed; i++) {
        const key = `round-${round}-${client}-${i}`;
        const { status } = await post(`${server.baseUrl}${key}`, valueFor(key).subarray(0, 2048 + ((i * 7919) % 30_720)));
        statuses.push(status);
        if (status === 507) refused++;
        else if (status !== 201) failed = true;
      }
    }),
  );
  return statuses;
}

describe('the embedded store full of values that expire', () => {
  it('purges them on the full filesystem and takes writes again, without dying (lmdb-js does not survive a failed purge)', async () => {
    const mountPoint = smallFilesystem(filesystemMiB);
    const server = await startServer({
      workers: 2,
      default_ttl: 2,
      embedded: { path: join(mountPoint, 'data'), purge_interval_ms: 500 },
    });
    servers.push(server);
    const pids = [server.pid, ...childPids(server.pid)];
    const rounds: { acknowledged: number; refused: number }[] = [];
    for (let round = 0; round < 4; round++) {
      const statuses = await pressWhileFull(server, round, 16, 600);
      expect(statuses.filter((status) => status !== 201 && status !== 507)).toEqual([]);
      rounds.push({ acknowledged: statuses.filter((status) => status === 201).length, refused: 600 });
      // The values expire after 2 s and are purged within the next half second.
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    expect(server.hasExited()).toBe(false);
    expect([server.pid, ...childPids(server.pid)]).toEqual(pids);
    // Each round filled the filesystem again after the previous round's values were purged.
    for (const round of rounds) expect(round.acknowledged).toBeGreaterThan(100);
    expect(server.output()).not.toContain('purge of expired values failed');
    const figures = rounds.map((r) => `${r.acknowledged} acknowledged, ${r.refused} refused`).join('; ');
    console.info(`full disk of expiring values, 2 workers: ${figures}`);
  }, 180_000);
});
