/** A token bucket's settings: the tokens it gains a second, and the most it holds (what a burst may spend at once). */
export interface BucketSettings {
  readonly per_second: number;
  readonly burst: number;
}

/**
 * A token bucket: it holds at most `burst` tokens, gains `per_second` of them a second, and a request is admitted
 * when it can take one. It starts full. Time is the caller's, in milliseconds of a monotonic clock, so that one clock
 * (the cluster primary's) serves the requests of every process.
 */
export class TokenBucket {
  readonly #settings: BucketSettings;
  #tokens: number;
  #atMs: number;

  constructor(settings: BucketSettings, nowMs: number) {
    this.#settings = settings;
    this.#tokens = settings.burst;
    this.#atMs = nowMs;
  }

  /** Seconds until a token is there to take: 0 when one is. */
  secondsUntilToken(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens >= 1 ? 0 : (1 - this.#tokens) / this.#settings.per_second;
  }

  /** Takes a token; only after `secondsUntilToken` said one is there. */
  take(): void {
    this.#tokens -= 1;
  }

  /** Takes as many whole tokens as it has, up to `count`; how many it took. */
  takeUpTo(count: number, nowMs: number): number {
    this.#refill(nowMs);
    const taken = Math.max(0, Math.min(count, Math.floor(this.#tokens)));
    this.#tokens -= taken;
    return taken;
  }

  /** Whether it is full at `nowMs`: then it is no different from a new bucket, and can be forgotten. */
  isFull(nowMs: number): boolean {
    this.#refill(nowMs);
    return this.#tokens >= this.#settings.burst;
  }

  #refill(nowMs: number): void {
    // A clock read earlier by another caller may be a little behind this bucket's: time never runs backwards here.
    if (nowMs <= this.#atMs) return;
    this.#tokens = Math.min(this.#settings.burst, this.#tokens + ((nowMs - this.#atMs) / 1000) * this.#settings.per_second);
    this.#atMs = nowMs;
  }
}
