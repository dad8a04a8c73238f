import { TokenBucket } from './token-bucket.js';

/**
 * Keys remembered per namespace. A key is remembered only while its bucket is not full, a second after its last
 * write: Wikimedia's peak of 1.5k writes a second fills a twentieth of it. A flood of distinct keys beyond it makes
 * the least recently written ones forgotten, which admits their next write: memory stays bounded (about 10 MB).
 */
export const rememberedKeys = 65_536;

/**
 * The per-key write cap of one namespace: at most `perSecond` writes a second to each key (a bucket of that rate
 * and burst per key), by the key's hash, never the key itself. The keys are kept in the order of their last write
 * (a Map keeps insertion order), so that the least recently written one is the first to go.
 */
export class KeyWriteCaps {
  readonly #settings: { readonly per_second: number; readonly burst: number };
  readonly #capacity: number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(perSecond: number, capacity = rememberedKeys) {
    this.#settings = { per_second: perSecond, burst: perSecond };
    this.#capacity = capacity;
  }

  /** Seconds until the key may be written again: 0 when it may now. */
  secondsUntilWrite(keyHash: string, nowMs: number): number {
    return this.#buckets.get(keyHash)?.secondsUntilToken(nowMs) ?? 0;
  }

  /** Counts a write of the key; only after `secondsUntilWrite` said 0. */
  write(keyHash: string, nowMs: number): void {
    let bucket = this.#buckets.get(keyHash);
    if (bucket === undefined) bucket = new TokenBucket(this.#settings, nowMs);
    else this.#buckets.delete(keyHash);
    bucket.take();
    this.#buckets.set(keyHash, bucket);
    this.#forgetFullAndOldest(nowMs);
  }

  /** How many keys it remembers. */
  get size(): number {
    return this.#buckets.size;
  }

  #forgetFullAndOldest(nowMs: number): void {
    // The least recently written keys come first: those whose buckets have filled again are forgotten (a couple
    // a write, at most, in a steady state), then any beyond the capacity.
    for (const [keyHash, bucket] of this.#buckets) {
      if (this.#buckets.size <= this.#capacity && !bucket.isFull(nowMs)) return;
      this.#buckets.delete(keyHash);
    }
  }
}
