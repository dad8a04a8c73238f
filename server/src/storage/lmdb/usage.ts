// What an embedded database holds, counted exactly: its keys, and its bytes (each key's and value's, without the
// record's header). The count is a record of the database itself, rewritten in the transaction of every write
// that changes it, so that it is exact across the worker processes (LMDB serializes their write transactions)
// and survives restarts. A database without it (written by an earlier build, or just truncated) is counted once,
// in the transaction of its next write.

/** What a database holds. */
export interface Usage {
  readonly bytes: number;
  readonly keys: number;
  /** Bytes of keys and values written since the count began (a counter: never goes down). */
  readonly writtenBytes: number;
}

// NOTE: the count's key begins with 0xFF, a byte no UTF-8 text holds, so no client key (valid UTF-8, checked by
// the HTTP layer) can name it, and it sorts after every client key.
export const usageKey = Buffer.from([0xff, ...Buffer.from('kask-ts:usage')]);

/** Whether `key` is the count's, not a client's. */
export function isUsageKey(key: Uint8Array): boolean {
  return Buffer.compare(key, usageKey) === 0;
}

/** The count as the value of its record. */
export function usageValue(usage: Usage): Buffer {
  const value = Buffer.allocUnsafe(24);
  value.writeDoubleBE(usage.bytes, 0);
  value.writeDoubleBE(usage.keys, 8);
  value.writeDoubleBE(usage.writtenBytes, 16);
  return value;
}

/** The count a record's value holds. */
export function usageOf(value: Buffer): Usage {
  return { bytes: value.readDoubleBE(0), keys: value.readDoubleBE(8), writtenBytes: value.readDoubleBE(16) };
}
