import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendMaxKeyBytes, backendMaxTtlSeconds } from '../../src/storage/registry.js';
import { digestOf, type Storage, StorageError, type StorageErrorKind, type StoredValue } from '../../src/storage/storage.js';

/** A key no other test uses, so that backends may share one table across runs. */
export function uniqueKey(label: string): string {
  return `conformance:${label}:${randomUUID()}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// NOTE: Cassandra expires a value at a whole second, so a TTL of T keeps it at least T - 1 s: with 1 s, a value
// written at the end of a second is gone for a read a millisecond later (seen in CI). With 2 it lives 1 s at
// least, plenty for the reads right after the write, and is gone 2 s after it (the wait has a margin).
const shortTtlSeconds = 2;
const pastShortTtlMs = shortTtlSeconds * 1000 + 1200;

/**
 * A conditional write's answer, or `unknown` when the backend was `unavailable` (the HTTP layer's 503): the
 * write may or may not have been applied, so the caller reads to find out.
 */
async function whetherApplied(write: Promise<boolean>): Promise<boolean | 'unknown'> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof StorageError && error.kind === 'unavailable') return 'unknown';
    throw error;
  }
}

/** A backend under test: how to open it, and how it fails. */
export interface BackendUnderTest {
  readonly name: string;
  /** Opens the backend, ready to answer; called once for the suite and once for the failure cases. */
  open(): Promise<Storage>;
  /**
   * Opens the backend over storage it cannot reach (a cluster that does not answer); `undefined` for a
   * backend that has no such state (the embedded store is a file in this process).
   */
  readonly openUnreachable: (() => Storage) | undefined;
}

/** Every operation of the interface, called with harmless arguments. */
const everyOperation: Record<string, (storage: Storage) => Promise<unknown>> = {
  get: (storage) => storage.get(uniqueKey('failing')),
  set: (storage) => storage.set(uniqueKey('failing'), Buffer.from('v'), 60),
  delete: (storage) => storage.delete(uniqueKey('failing')),
  add: (storage) => storage.add(uniqueKey('failing'), Buffer.from('v'), 60),
  compareAndSet: (storage) => storage.compareAndSet(uniqueKey('failing'), Buffer.from('a'), Buffer.from('b'), 60),
  compareAndDelete: (storage) => storage.compareAndDelete(uniqueKey('failing'), Buffer.from('a')),
  touch: (storage) => storage.touch(uniqueKey('failing'), 60),
  ping: (storage) => storage.ping(),
};

/** Expects every operation of `storage` to reject with a StorageError of `kind` (the HTTP layer's 503). */
async function expectEveryOperationToFail(storage: Storage, kind: StorageErrorKind): Promise<void> {
  for (const [name, operation] of Object.entries(everyOperation)) {
    const error = await operation(storage).then(
      () => new Error(`${name} resolved`),
      (reason: unknown) => reason,
    );
    expect(error, name).toBeInstanceOf(StorageError);
    expect((error as StorageError).kind, name).toBe(kind);
  }
}

/**
 * The behaviour every storage backend must have. `open` is called once for the suite, which closes what
 * it opened. Backends add their own cases in their own test file.
 */
export function describeStorageConformance({ name, open, openUnreachable }: BackendUnderTest): void {
  describe(`storage conformance: ${name}`, () => {
    let storage: Storage;
    beforeAll(async () => {
      storage = await open();
    });
    afterAll(async () => {
      await storage?.close();
    });

    it('get of an absent key resolves undefined', async () => {
      expect(await storage.get(uniqueKey('absent'))).toBeUndefined();
    });

    it('set then get returns every byte value exactly', async () => {
      const key = uniqueKey('bytes');
      const value = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
      await storage.set(key, value, 60);
      expect((await storage.get(key))?.value).toEqual(value);
    });

    it("get answers the value's SHA-256 digest with it, also after a touch", async () => {
      const key = uniqueKey('digest');
      const value = Buffer.from('digested');
      await storage.set(key, value, 60);
      expect((await storage.get(key))?.digest).toEqual(digestOf(value));
      await storage.touch(key, 120);
      expect((await storage.get(key))?.digest).toEqual(digestOf(value));
    });

    it('get answers when the value expires, as every write and touch set it, and none for ttl 0', async () => {
      const key = uniqueKey('expires-at');
      // Whole seconds from now until the value read expires (Cassandra counts a TTL in whole seconds).
      const secondsLeft = async () => {
        const expiresAt = (await storage.get(key))?.expiresAt;
        return expiresAt === undefined ? undefined : Math.ceil((expiresAt - Date.now()) / 1000);
      };
      const expectSecondsLeft = async (ttlSeconds: number) => {
        const left = await secondsLeft();
        expect(left).toBeGreaterThanOrEqual(ttlSeconds - 2);
        expect(left).toBeLessThanOrEqual(ttlSeconds);
      };
      await storage.set(key, Buffer.from('a'), 600);
      await expectSecondsLeft(600);
      expect(await storage.touch(key, 1200)).toBe(true);
      await expectSecondsLeft(1200);
      expect(await storage.compareAndSet(key, Buffer.from('a'), Buffer.from('b'), 300)).toBe(true);
      await expectSecondsLeft(300);
      await storage.set(key, Buffer.from('c'), 0);
      expect((await storage.get(key))?.value.toString()).toBe('c');
      expect(await secondsLeft()).toBeUndefined();
      await storage.delete(key);
      expect(await storage.add(key, Buffer.from('d'), 900)).toBe(true);
      await expectSecondsLeft(900);
    });

    it('a value and digest read stay intact while other keys are read and written', async () => {
      const [first, second] = [uniqueKey('kept-1'), uniqueKey('kept-2')];
      await storage.set(first, Buffer.from('first value'), 60);
      await storage.set(second, Buffer.from('second, longer value'), 60);
      const read = (await storage.get(first)) as StoredValue;
      await storage.get(second);
      await storage.set(first, Buffer.from('replaced'), 60);
      await storage.get(first);
      expect(read.value.toString()).toBe('first value');
      expect(read.digest.equals(digestOf(Buffer.from('first value')))).toBe(true);
    });

    it('set asked to compare tells whether the key held the very value written: a same-value rewrite', async () => {
      const key = uniqueKey('same-value');
      expect(await storage.set(key, Buffer.from('session'), 60, true)).toBe('changed');
      expect(await storage.set(key, Buffer.from('session'), 60, true)).toBe('unchanged');
      expect(await storage.set(key, Buffer.from('session!'), 60, true)).toBe('changed');
      await storage.delete(key);
      expect(await storage.set(key, Buffer.from('session!'), 60, true)).toBe('changed');
    });

    it('set not asked to compare tells it only where it costs no read, and is never wrong', async () => {
      const key = uniqueKey('same-value-free');
      await storage.set(key, Buffer.from('session'), 60);
      expect(['unchanged', 'unknown']).toContain(await storage.set(key, Buffer.from('session'), 60));
      expect(['changed', 'unknown']).toContain(await storage.set(key, Buffer.from('other'), 60));
    });

    it('set of an existing key replaces its value', async () => {
      const key = uniqueKey('overwrite');
      await storage.set(key, Buffer.from('first, longer value'), 60);
      await storage.set(key, Buffer.from('second'), 60);
      expect((await storage.get(key))?.value.toString()).toBe('second');
    });

    it('delete removes the value, and resolves for an absent key too', async () => {
      const key = uniqueKey('delete');
      await storage.set(key, Buffer.from('v'), 60);
      await storage.delete(key);
      expect(await storage.get(key)).toBeUndefined();
      await expect(storage.delete(key)).resolves.toBeUndefined();
    });

    it('keys are compared as exact UTF-8 strings', async () => {
      const base = uniqueKey('unicode');
      const keys = [`${base}:wiki:MWSession:é`, `${base}:wiki:MWSession:e\u0301`, `${base}:Ω≈ç√:🙂`, `${base}:A`, `${base}:a`];
      await Promise.all(keys.map((key, i) => storage.set(key, Buffer.from(String(i)), 60)));
      for (const [i, key] of keys.entries()) expect((await storage.get(key))?.value.toString()).toBe(String(i));
    });

    it('keys that differ only in control characters are distinct keys, at any length', async () => {
      // Pairs an order-preserving key encoding conflates: an escaped first character, and a 63-character
      // key whose escapes spell the first bytes of a 64-character one.
      const tail = randomUUID().padEnd(62, 't');
      const keys = [
        `\x01${tail}`,
        `\x04\x01${tail}`,
        `\x1b\x01${tail}`,
        `\x1b\x04\x01${tail}`,
        `\x00${tail}`,
        `a\x00b${tail}`,
        `a${tail}`,
      ];
      await Promise.all(keys.map((key, i) => storage.set(key, Buffer.from(String(i)), 60)));
      for (const [i, key] of keys.entries())
        expect((await storage.get(key))?.value.toString(), JSON.stringify(key)).toBe(String(i));
    });

    it("a key of the backend's largest size round trips through every operation, whatever its first byte", async () => {
      const size = backendMaxKeyBytes[storage.backend as keyof typeof backendMaxKeyBytes];
      for (const first of ['\x01', '\x1b', 'k']) {
        const key = `${first}${randomUUID()}`.padEnd(size, 'k');
        expect(Buffer.byteLength(key)).toBe(size);
        expect(await storage.add(key, Buffer.from('a'), 60)).toBe(true);
        expect(await storage.compareAndSet(key, Buffer.from('a'), Buffer.from('b'), 60)).toBe(true);
        expect(await storage.touch(key, 120)).toBe(true);
        await storage.set(key, Buffer.from('c'), 60);
        expect((await storage.get(key))?.value.toString()).toBe('c');
        expect(await storage.compareAndDelete(key, Buffer.from('c'))).toBe(true);
        await storage.delete(key);
        expect(await storage.get(key)).toBeUndefined();
      }
    });

    it('a value stored with the longest TTL every backend stores is kept', async () => {
      const key = uniqueKey('longest-ttl');
      await storage.set(key, Buffer.from('long'), backendMaxTtlSeconds);
      expect(await storage.touch(key, backendMaxTtlSeconds)).toBe(true);
      expect((await storage.get(key))?.value.toString()).toBe('long');
    });

    it('a 1024-byte key and a 1 MiB value round trip', async () => {
      const key = uniqueKey('large').padEnd(1024, 'k');
      const value = randomBytes(1024 * 1024);
      await storage.set(key, value, 60);
      expect((await storage.get(key))?.value.equals(value)).toBe(true);
    });

    it('200 concurrent writes to distinct keys are all readable afterwards', async () => {
      const keys = Array.from({ length: 200 }, (_, i) => uniqueKey(`concurrent-${i}`));
      await Promise.all(keys.map((key) => storage.set(key, Buffer.from(key), 60)));
      const values = await Promise.all(keys.map((key) => storage.get(key)));
      expect(values.map((v) => v?.value.toString())).toEqual(keys);
    });

    it('set(key, value, ttl) expires after the deadline, and ttl 0 never expires; an expired value is not the same value', async () => {
      const expiring = uniqueKey('ttl');
      const forever = uniqueKey('ttl0');
      await storage.set(expiring, Buffer.from('short'), shortTtlSeconds);
      await storage.set(forever, Buffer.from('forever'), 0);
      expect((await storage.get(expiring))?.value.toString()).toBe('short');
      await sleep(pastShortTtlMs);
      expect(await storage.get(expiring)).toBeUndefined();
      expect((await storage.get(forever))?.value.toString()).toBe('forever');
      expect(await storage.set(expiring, Buffer.from('short'), 60, true)).toBe('changed');
    });

    it('add stores under an absent key and refuses a live one, keeping its value', async () => {
      const key = uniqueKey('add');
      expect(await storage.add(key, Buffer.from('first'), 60)).toBe(true);
      expect(await storage.add(key, Buffer.from('second'), 60)).toBe(false);
      expect((await storage.get(key))?.value.toString()).toBe('first');
    });

    it('of 20 concurrent adds to one key exactly one succeeds, and its value is stored', async () => {
      const key = uniqueKey('add-race');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => whetherApplied(storage.add(key, Buffer.from(`writer ${i}`), 60))),
      );
      const value = (await storage.get(key))?.value.toString();
      expect(value).toMatch(/^writer \d+$/);
      const stored = Number(value?.replace('writer ', ''));
      // The stored writer was told it won, or (a timed-out Paxos round) does not know; nobody else was told so.
      expect([true, 'unknown']).toContain(results[stored]);
      expect(results.filter((result, writer) => result === true && writer !== stored)).toEqual([]);
    });

    it('compareAndSet replaces a value that still equals the expected one, and nothing else', async () => {
      const key = uniqueKey('cas');
      expect(await storage.compareAndSet(key, Buffer.from('none'), Buffer.from('x'), 60)).toBe(false);
      expect(await storage.get(key)).toBeUndefined();
      await storage.set(key, Buffer.from('one'), 60);
      expect(await storage.compareAndSet(key, Buffer.from('one'), Buffer.from('two'), 60)).toBe(true);
      expect(await storage.compareAndSet(key, Buffer.from('one'), Buffer.from('three'), 60)).toBe(false);
      expect((await storage.get(key))?.value.toString()).toBe('two');
    });

    it('50 concurrent read-compareAndSet appends all count, each once', async () => {
      const key = uniqueKey('counter');
      await storage.set(key, Buffer.from(''), 60);
      // Each writer appends its own token, so that after an `unavailable` answer (a Paxos round that timed out
      // under this contention, seen on fresh Cassandra nodes: applied or not, as the document says of a 503) it
      // can read whether its write landed, as a careful client does. A lost race backs off for a random,
      // growing time (up to 256 ms), as the PHP client does.
      const append = async (writer: number) => {
        const token = `<${writer}>`;
        for (let lost = 0; ; lost++) {
          const current = ((await storage.get(key)) as StoredValue).value.toString();
          if (current.includes(token)) return;
          const outcome = await whetherApplied(
            storage.compareAndSet(key, Buffer.from(current), Buffer.from(current + token), 60),
          );
          if (outcome === true) return;
          await sleep(Math.random() * 2 ** Math.min(lost, 8));
        }
      };
      await Promise.all(Array.from({ length: 50 }, (_, writer) => append(writer)));
      const tokens = ((await storage.get(key)) as StoredValue).value.toString().match(/<\d+>/g) ?? [];
      expect(tokens.sort()).toEqual(Array.from({ length: 50 }, (_, writer) => `<${writer}>`).sort());
    });

    it('compareAndDelete removes a value that still equals the expected one, and nothing else', async () => {
      const key = uniqueKey('cad');
      expect(await storage.compareAndDelete(key, Buffer.from('none'))).toBe(false);
      await storage.set(key, Buffer.from('one'), 60);
      expect(await storage.compareAndDelete(key, Buffer.from('other'))).toBe(false);
      expect((await storage.get(key))?.value.toString()).toBe('one');
      expect(await storage.compareAndDelete(key, Buffer.from('one'))).toBe(true);
      expect(await storage.get(key)).toBeUndefined();
      expect(await storage.compareAndDelete(key, Buffer.from('one'))).toBe(false);
    });

    it('a lock taken with add and released with compareAndDelete admits one holder at a time', async () => {
      const lock = uniqueKey('lock');
      const counter = uniqueKey('locked-counter');
      await storage.set(counter, Buffer.from('0'), 60);
      let holders = 0;
      let overlaps = 0;
      // After an `unknown` answer (see whetherApplied) a holder reads the lock to learn whether it holds it. The
      // read may not see a Paxos round that is accepted but not yet committed; the holder's next attempt commits
      // it first and is then refused, so after an `unknown` a refusal is also settled by reading.
      const holding = async (token: string) => (await storage.get(lock))?.value.toString() === token;
      const take = async (token: string) => {
        for (let unknown = false; ; await sleep(1)) {
          const taken = await whetherApplied(storage.add(lock, Buffer.from(token), 60));
          if (taken === true) return;
          unknown ||= taken === 'unknown';
          if (unknown && (await holding(token))) return;
        }
      };
      const release = async (token: string) => {
        for (let unknown = false; ; ) {
          const released = await whetherApplied(storage.compareAndDelete(lock, Buffer.from(token)));
          if (released === true) return;
          // Refused with nothing unknown before: the lock was not the holder's to release.
          expect(unknown || released === 'unknown', `${token} could not release its lock`).toBe(true);
          unknown = true;
          if (!(await holding(token))) return;
        }
      };
      const holder = async (id: number) => {
        for (let round = 0; round < 5; round++) {
          const token = `holder ${id} round ${round}`;
          await take(token);
          if (++holders > 1) overlaps++;
          const current = Number(((await storage.get(counter)) as StoredValue).value.toString());
          await storage.set(counter, Buffer.from(String(current + 1)), 60);
          holders--;
          await release(token);
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, id) => holder(id)));
      expect(overlaps).toBe(0);
      expect((await storage.get(counter))?.value.toString()).toBe('40');
    });

    it('touch of an absent or deleted key resolves false and stores nothing', async () => {
      const key = uniqueKey('touch-absent');
      expect(await storage.touch(key, 60)).toBe(false);
      await storage.set(key, Buffer.from('v'), 60);
      await storage.delete(key);
      expect(await storage.touch(key, 60)).toBe(false);
      expect(await storage.get(key)).toBeUndefined();
    });

    it('touch extends and shortens the TTL of a live value without changing it; add takes an expired key', async () => {
      const extended = uniqueKey('touch-extend');
      const shortened = uniqueKey('touch-shorten');
      const expired = uniqueKey('add-expired');
      await storage.set(extended, Buffer.from('kept'), shortTtlSeconds);
      await storage.set(shortened, Buffer.from('going'), 600);
      await storage.add(expired, Buffer.from('old'), shortTtlSeconds);
      expect(await storage.touch(extended, 600)).toBe(true);
      expect(await storage.touch(shortened, shortTtlSeconds)).toBe(true);
      expect((await storage.get(shortened))?.value.toString()).toBe('going');
      await sleep(pastShortTtlMs);
      expect((await storage.get(extended))?.value.toString()).toBe('kept');
      expect(await storage.get(shortened)).toBeUndefined();
      expect(await storage.add(expired, Buffer.from('new'), 60)).toBe(true);
      expect((await storage.get(expired))?.value.toString()).toBe('new');
    });

    it('a store that has refused no write for want of space says it takes writes', async () => {
      await storage.set(uniqueKey('room'), Buffer.from('v'), 60);
      expect(storage.refusingWrites()).toBeUndefined();
    });

    it('census counts a key written and one deleted, in keys and bytes, or gives estimates of whole keys and bytes', async () => {
      const before = await storage.census();
      const key = uniqueKey('census');
      await storage.set(key, Buffer.from('sixteen bytes!!!'), 60);
      const after = await storage.census();
      if (before?.estimated !== false || after?.estimated !== false) {
        // Estimates (Cassandra's) are renewed on an interval, not by a write, and there are none before the first.
        for (const census of [before, after].filter((census) => census !== undefined)) {
          expect(census).toMatchObject({ estimated: true, writtenBytes: undefined, filesystem: undefined });
          expect(Number.isInteger(census.keys) && census.keys >= 0 && census.bytes >= 0).toBe(true);
        }
        return;
      }
      const keyBytes = Buffer.byteLength(key);
      expect(after.keys - before.keys).toBe(1);
      expect(after.bytes - before.bytes).toBe(keyBytes + 16);
      expect((after.writtenBytes ?? 0) - (before.writtenBytes ?? 0)).toBe(keyBytes + 16);
      await storage.delete(key);
      expect(await storage.census()).toMatchObject({ keys: before.keys, bytes: before.bytes });
    });

    it('ping resolves while the storage answers', async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });

    it('after close() every operation rejects with an unavailable StorageError, and close() may be called again', async () => {
      const closed = await open();
      await closed.close();
      await expectEveryOperationToFail(closed, 'unavailable');
      await expect(closed.close()).resolves.toBeUndefined();
    });

    if (openUnreachable !== undefined) {
      it('over storage it cannot reach every operation rejects with an unavailable StorageError', async () => {
        const unreachable = openUnreachable();
        try {
          await expectEveryOperationToFail(unreachable, 'unavailable');
        } finally {
          await unreachable.close();
        }
      });
    }
  });
}
