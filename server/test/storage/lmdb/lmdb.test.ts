import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabases, openEmbeddedStorage } from '../../../src/storage/lmdb/lmdb.js';
import { digestOf, type Storage, StorageError } from '../../../src/storage/storage.js';
import { describeStorageConformance, uniqueKey } from '../conformance.js';

const directories: string[] = [];
function freshPath(): string {
  const path = mkdtempSync(join(tmpdir(), 'kask-lmdb-'));
  directories.push(path);
  return path;
}
afterAll(() => {
  for (const path of directories) rmSync(path, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeStorageConformance({
  name: 'embedded (LMDB)',
  open: async () => openEmbeddedStorage({ path: freshPath(), purgeIntervalMs: 60000 }),
  openUnreachable: undefined,
});

describeStorageConformance({
  name: 'embedded (LMDB named database, a namespace)',
  open: async () => openEmbeddedDatabases({ path: freshPath(), purgeIntervalMs: 60000 }, ['sessions'])[0] as Storage,
  openUnreachable: undefined,
});

describe('embedded namespaces: named databases of one environment', () => {
  it('a key in one database is never visible in another, nor in the main database', async () => {
    const path = freshPath();
    const [main, sessions, echoseen] = openEmbeddedDatabases({ path, purgeIntervalMs: 60000 }, [
      undefined,
      'sessions',
      'echoseen',
    ]);
    if (main === undefined || sessions === undefined || echoseen === undefined) throw new Error('three stores expected');
    await sessions.set('k', Buffer.from('session'), 3600);
    expect(await echoseen.get('k')).toBeUndefined();
    expect(await main.get('k')).toBeUndefined();
    expect(await echoseen.add('k', Buffer.from('seen'), 3600)).toBe(true);
    await echoseen.delete('k');
    expect((await sessions.get('k'))?.value.toString()).toBe('session');
    await Promise.all([main.close(), sessions.close(), echoseen.close()]);
  });

  it('each database purges its own expired values, and clear empties only its own', async () => {
    const [sessions, echoseen] = openEmbeddedDatabases({ path: freshPath(), purgeIntervalMs: 60000 }, ['sessions', 'echoseen']);
    if (sessions === undefined || echoseen === undefined) throw new Error('two stores expected');
    await sessions.set('gone', Buffer.from('x'), 1);
    await echoseen.set('gone', Buffer.from('x'), 1);
    await echoseen.set('kept', Buffer.from('x'), 3600);
    await sleep(1100);
    expect(await sessions.purgeExpired()).toBe(1);
    expect(await echoseen.purgeExpired()).toBe(1);
    await sessions.set('kept', Buffer.from('x'), 3600);
    await echoseen.clear();
    expect(await echoseen.get('kept')).toBeUndefined();
    expect((await sessions.get('kept'))?.value.toString()).toBe('x');
    await Promise.all([sessions.close(), echoseen.close()]);
  });

  it('the environment stays open for the other databases until the last of them is closed', async () => {
    const [sessions, echoseen] = openEmbeddedDatabases({ path: freshPath(), purgeIntervalMs: 60000 }, ['sessions', 'echoseen']);
    if (sessions === undefined || echoseen === undefined) throw new Error('two stores expected');
    await sessions.close();
    await expect(sessions.ping()).rejects.toMatchObject({ kind: 'unavailable' });
    await echoseen.set('still', Buffer.from('open'), 3600);
    expect((await echoseen.get('still'))?.value.toString()).toBe('open');
    await echoseen.close();
    await expect(echoseen.get('still')).rejects.toBeInstanceOf(StorageError);
  });
});

describe('embedded store', () => {
  it('values survive closing and reopening the store', async () => {
    const path = freshPath();
    const key = uniqueKey('restart');
    const first = openEmbeddedStorage({ path, purgeIntervalMs: 60000 });
    await first.set(key, Buffer.from('kept'), 3600);
    await first.close();
    const second = openEmbeddedStorage({ path, purgeIntervalMs: 60000 });
    expect((await second.get(key))?.value.toString()).toBe('kept');
    await second.close();
  });

  it('the path is always a directory, made for its owner alone, even when its name has a dot', async () => {
    const path = join(freshPath(), 'sessions.v2');
    const storage = openEmbeddedStorage({ path, purgeIntervalMs: 60000 });
    await storage.set('k', Buffer.from('v'), 60);
    await storage.close();
    expect(statSync(path).isDirectory()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o700);
    expect(statSync(join(path, 'data.mdb')).isFile()).toBe(true);
  });

  it('set tells a same-value rewrite unasked, from the digest its record keeps', async () => {
    const storage = openEmbeddedStorage({ path: freshPath(), purgeIntervalMs: 60000 });
    const key = uniqueKey('same-value');
    expect(await storage.set(key, Buffer.from('session'), 3600)).toBe('changed');
    expect(await storage.set(key, Buffer.from('session'), 60)).toBe('unchanged');
    expect(await storage.set(key, Buffer.from('session.'), 60)).toBe('changed');
    await storage.close();
  });

  it('purgeExpired removes expired records and keeps live and never-expiring ones', async () => {
    const storage = openEmbeddedStorage({ path: freshPath(), purgeIntervalMs: 60000 });
    const expired = Array.from({ length: 2500 }, (_, i) => `expired:${String(i).padStart(5, '0')}`);
    await Promise.all(expired.map((key) => storage.set(key, Buffer.from('x'), 1)));
    await storage.set('live', Buffer.from('live'), 3600);
    await storage.set('forever', Buffer.from('forever'), 0);
    await sleep(1100);
    expect(await storage.purgeExpired()).toBe(2500);
    expect(await storage.purgeExpired()).toBe(0);
    expect((await storage.get('live'))?.value.toString()).toBe('live');
    expect((await storage.get('forever'))?.value.toString()).toBe('forever');
    await storage.close();
  });

  it('the background purge runs on its interval without being called', async () => {
    const storage = openEmbeddedStorage({ path: freshPath(), purgeIntervalMs: 200 });
    await storage.set('soon-gone', Buffer.from('x'), 1);
    await sleep(1600);
    // Expired values already read as absent; an empty purge proves the timer removed the record.
    expect(await storage.purgeExpired()).toBe(0);
    await storage.close();
  });

  it('a value rewritten with a new TTL after expiring is not purged', async () => {
    const storage = openEmbeddedStorage({ path: freshPath(), purgeIntervalMs: 60000 });
    await storage.set('rewritten', Buffer.from('old'), 1);
    await sleep(1100);
    await storage.set('rewritten', Buffer.from('new'), 3600);
    expect(await storage.purgeExpired()).toBe(0);
    expect((await storage.get('rewritten'))?.value.toString()).toBe('new');
    await storage.close();
  });

  it('a file of an earlier version keeps its keys; one it stored escaped is no longer found, and is purged when expired', async () => {
    const path = freshPath();
    // Earlier versions stored string keys in lmdb-js's default key encoding, with the same record layout.
    const recordOf = (expiry: number, value: string) => {
      const record = Buffer.alloc(40 + value.length);
      record.writeDoubleBE(expiry, 0);
      digestOf(Buffer.from(value)).copy(record, 8);
      record.write(value, 40);
      return record;
    };
    const earlier = open<Buffer, string>({ path, encoding: 'binary', compression: false });
    await earlier.put('enwiki:MWSession:kept', recordOf(0, 'kept'));
    await earlier.put('\x01escaped', recordOf(Date.now() - 1000, 'escaped'));
    await earlier.close();
    const storage = openEmbeddedStorage({ path, purgeIntervalMs: 60000 });
    expect((await storage.get('enwiki:MWSession:kept'))?.value.toString()).toBe('kept');
    expect(await storage.purgeExpired()).toBe(1);
    await storage.close();
  });

  it('ping rejects with an unavailable StorageError once closed', async () => {
    const storage = openEmbeddedStorage({ path: freshPath(), purgeIntervalMs: 60000 });
    await storage.close();
    await expect(storage.ping()).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(storage.ping()).rejects.toBeInstanceOf(StorageError);
  });
});
