import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import type { Quota } from '../../../src/storage/backend.js';
import { openEmbeddedDatabases, openEmbeddedStorage } from '../../../src/storage/lmdb/lmdb.js';
import { StorageFullError } from '../../../src/storage/storage.js';

const directories: string[] = [];
function freshPath(): string {
  const path = mkdtempSync(join(tmpdir(), 'kask-usage-'));
  directories.push(path);
  return path;
}
afterAll(() => {
  for (const path of directories) rmSync(path, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const value = (bytes: number) => Buffer.alloc(bytes, 'v');

function quotaOf(maxBytes: number | undefined, maxKeys: number | undefined): Quota {
  return { maxBytes, maxKeys };
}

/** The refusal `write` is answered with, or `written` when it is not refused. */
async function refusalOf(write: Promise<unknown>): Promise<string> {
  try {
    await write;
    return 'written';
  } catch (error) {
    if (error instanceof StorageFullError) return error.refusal;
    throw error;
  }
}

describe('the embedded store counts what each database holds', () => {
  it('keys and bytes (key and value) follow every write, rewrite, TTL change and delete exactly', async () => {
    const [store] = openEmbeddedDatabases({ path: freshPath(), purgeIntervalMs: undefined }, ['sessions']);
    if (store === undefined) throw new Error('a store expected');
    await store.set('a', value(10), 60);
    await store.set('bb', value(20), 60);
    expect(await store.usage()).toMatchObject({ keys: 2, bytes: 1 + 10 + 2 + 20 });
    await store.set('a', value(5), 60);
    expect(await store.add('c', value(1), 60)).toBe(true);
    expect(await store.touch('bb', 600)).toBe(true);
    expect(await store.compareAndSet('c', value(1), value(3), 60)).toBe(true);
    expect(await store.usage()).toMatchObject({ keys: 3, bytes: 1 + 5 + 2 + 20 + 1 + 3 });
    await store.delete('bb');
    await store.delete('absent');
    expect(await store.compareAndDelete('c', value(3))).toBe(true);
    expect(await store.usage()).toMatchObject({ keys: 1, bytes: 1 + 5 });
    // Every byte written counts, removed or rewritten since: 11 + 22 + 6 + 2 (add) + 22 (touch) + 4 (compareAndSet).
    expect((await store.census()).writtenBytes).toBe(67);
    expect((await store.census()).filesystem?.sizeBytes).toBeGreaterThan(0);
    await store.close();
  });

  it('the count survives a restart, and a store without one (an earlier build) is counted at its next write', async () => {
    const path = freshPath();
    const first = openEmbeddedStorage({ path, purgeIntervalMs: undefined });
    await first.set('kept', value(100), 0);
    await first.close();
    const again = openEmbeddedStorage({ path, purgeIntervalMs: undefined });
    expect(await again.usage()).toMatchObject({ keys: 1, bytes: 4 + 100 });
    await again.close();

    // A record written as an earlier build wrote it, without a count.
    const earlierPath = freshPath();
    const earlier = open<Buffer, Buffer>({ path: earlierPath, encoding: 'binary', keyEncoding: 'binary', compression: false });
    await earlier.put(Buffer.from('old'), Buffer.concat([Buffer.alloc(40), value(7)]));
    await earlier.close();
    const upgraded = openEmbeddedStorage({ path: earlierPath, purgeIntervalMs: undefined });
    expect(await upgraded.usage()).toMatchObject({ keys: 1, bytes: 3 + 7 });
    await upgraded.set('new', value(2), 60);
    expect(await upgraded.usage()).toMatchObject({ keys: 2, bytes: 3 + 7 + 3 + 2 });
    await upgraded.close();
  });

  it("a Kask-style store beside named databases counts none of LMDB's records of them, and its purge passes them by", async () => {
    const path = freshPath();
    const [sessions, echo] = openEmbeddedDatabases({ path, purgeIntervalMs: undefined }, ['sessions', 'echo']);
    if (sessions === undefined || echo === undefined) throw new Error('two stores expected');
    await sessions.set('kept', value(10), 60);
    await Promise.all([sessions.close(), echo.close()]);
    // The main database holds a record of each named database; one of 8 bytes' value has a record of their size.
    const main = openEmbeddedStorage({ path, purgeIntervalMs: undefined });
    expect(await main.usage()).toMatchObject({ keys: 0, bytes: 0 });
    await main.set('gone', value(8), 1);
    await main.set('k', value(8), 60);
    expect(await main.usage()).toMatchObject({ keys: 2, bytes: 4 + 8 + 1 + 8 });
    await sleep(1100);
    expect(await main.purgeExpired()).toBe(1);
    expect(await main.usage()).toMatchObject({ keys: 1, bytes: 1 + 8 });
    await main.close();
    const [again] = openEmbeddedDatabases({ path, purgeIntervalMs: undefined, existing: true }, ['sessions']);
    expect((await again?.get('kept'))?.value).toEqual(value(10));
    await again?.close();
  });

  it('expired values count until purged, and the purge takes them off', async () => {
    const storage = openEmbeddedStorage({ path: freshPath(), purgeIntervalMs: undefined });
    await storage.set('gone', value(10), 1);
    await storage.set('kept', value(10), 60);
    await sleep(1100);
    expect((await storage.usage()).keys).toBe(2);
    expect(await storage.purgeExpired()).toBe(1);
    expect(await storage.usage()).toMatchObject({ keys: 1, bytes: 4 + 10 });
    await storage.close();
  });
});

describe('quotas on the embedded store', () => {
  it('max_bytes refuses a write that would go beyond it, changing nothing, and takes it again after a delete', async () => {
    const [store] = openEmbeddedDatabases({ path: freshPath(), purgeIntervalMs: undefined }, ['sessions'], {
      quotas: [quotaOf(100, undefined)],
    });
    if (store === undefined) throw new Error('a store expected');
    await store.set('k1', value(48), 60);
    await store.set('k2', value(48), 60);
    const refused = store.set('k3', value(10), 60);
    await expect(refused).rejects.toBeInstanceOf(StorageFullError);
    await expect(refused).rejects.toMatchObject({
      kind: 'full',
      refusal: 'quota_bytes',
      detail: "The write needs more bytes than the namespace's quota leaves it (max_bytes: 100); nothing was changed",
    });
    expect(await store.get('k3')).toBeUndefined();
    expect(await store.usage()).toMatchObject({ keys: 2, bytes: 100 });
    // A write that does not grow the namespace goes on, as do TTL changes and deletes.
    expect(await refusalOf(store.set('k1', value(40), 60))).toBe('written');
    expect(await store.touch('k2', 600)).toBe(true);
    expect(await refusalOf(store.add('k3', value(10), 60))).toBe('quota_bytes');
    await store.delete('k2');
    expect(await refusalOf(store.set('k3', value(10), 60))).toBe('written');
    await store.close();
  });

  it('max_keys refuses a new key at the limit but not a rewrite, and takes new keys again once expired values are purged', async () => {
    const storage = openEmbeddedDatabases({ path: freshPath(), purgeIntervalMs: undefined }, [undefined], {
      quotas: [quotaOf(undefined, 2)],
    })[0];
    if (storage === undefined) throw new Error('a store expected');
    await storage.set('a', value(1), 1);
    await storage.set('b', value(1), 60);
    expect(await refusalOf(storage.set('c', value(1), 60))).toBe('quota_keys');
    expect(await refusalOf(storage.set('b', value(100), 60))).toBe('written');
    await sleep(1100);
    expect(await storage.purgeExpired()).toBe(1);
    expect(await refusalOf(storage.set('c', value(1), 60))).toBe('written');
    await storage.close();
  });

  it("each namespace's quota holds for it alone", async () => {
    const [limited, free] = openEmbeddedDatabases({ path: freshPath(), purgeIntervalMs: undefined }, ['limited', 'free'], {
      quotas: [quotaOf(undefined, 1), quotaOf(undefined, undefined)],
    });
    if (limited === undefined || free === undefined) throw new Error('two stores expected');
    await limited.set('one', value(1), 60);
    expect(await refusalOf(limited.set('two', value(1), 60))).toBe('quota_keys');
    for (const key of ['one', 'two', 'three']) expect(await refusalOf(free.set(key, value(1), 60))).toBe('written');
    expect((await free.usage()).keys).toBe(3);
    await Promise.all([limited.close(), free.close()]);
  });
});
