import { digestOf, type Storage, type StorageError } from '../../src/storage/storage.js';

/** `storage` as the store of Kask's single namespace, as buildApp takes it for a file without `namespaces:`. */
export function inDefaultNamespace(storage: Storage): ReadonlyMap<string, Storage> {
  return new Map([['default', storage]]);
}

interface Entry {
  readonly value: Buffer;
  readonly ttl: number;
  readonly expiresAt: number | undefined;
}

function entryOf(value: Buffer, ttl: number): Entry {
  return { value, ttl, expiresAt: ttl === 0 ? undefined : Date.now() + ttl * 1000 };
}

// NOTE: for unit tests of the HTTP layer only; every backend runs the real conformance suite (storage/).
/** A storage that keeps values in a Map, or fails every call with `failure` when set. */
export class FakeStorage implements Storage {
  readonly backend = 'embedded';
  readonly values = new Map<string, Entry>();
  failure: StorageError | Error | undefined;

  #check(): void {
    if (this.failure) throw this.failure;
  }
  async get(key: string) {
    this.#check();
    const stored = this.values.get(key);
    if (stored === undefined) return undefined;
    return { value: stored.value, digest: digestOf(stored.value), expiresAt: stored.expiresAt };
  }
  async set(key: string, value: Buffer, ttl: number) {
    this.#check();
    const unchanged = this.values.get(key)?.value.equals(value) === true;
    this.values.set(key, entryOf(value, ttl));
    return unchanged ? ('unchanged' as const) : ('changed' as const);
  }
  async delete(key: string) {
    this.#check();
    this.values.delete(key);
  }
  async add(key: string, value: Buffer, ttl: number) {
    this.#check();
    if (this.values.has(key)) return false;
    this.values.set(key, entryOf(value, ttl));
    return true;
  }
  async compareAndSet(key: string, expected: Buffer, value: Buffer, ttl: number) {
    this.#check();
    if (!this.values.get(key)?.value.equals(expected)) return false;
    this.values.set(key, entryOf(value, ttl));
    return true;
  }
  async compareAndDelete(key: string, expected: Buffer) {
    this.#check();
    return this.values.get(key)?.value.equals(expected) === true && this.values.delete(key);
  }
  async touch(key: string, ttl: number) {
    this.#check();
    const current = this.values.get(key);
    if (current === undefined) return false;
    this.values.set(key, entryOf(current.value, ttl));
    return true;
  }
  async ping() {
    this.#check();
  }
  async census() {
    return undefined;
  }
  refusingWrites() {
    return this.failure?.name === 'StorageFullError' ? (this.failure as StorageError).reason : undefined;
  }
  async close() {}
}
