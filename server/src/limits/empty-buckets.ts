import type { LimitName, Refusal } from './limiter.js';

/** Buckets remembered before those no longer empty are swept: a bucket stays empty a second at most. */
const sweepAbove = 1024;

/**
 * The buckets a worker knows to be empty, and until when: the primary's refusal says which bucket refused and how
 * long until its next token, and no token comes sooner, so that the requests meanwhile are refused here without
 * asking. A flood over a limit would otherwise cost a round trip to the primary per refused request (an empty
 * bucket lends no tokens). Until when is counted from when the refusal arrived, a message's transit after it was
 * decided: a request may be refused that long after the token came, never admitted early.
 */
export class EmptyBuckets {
  readonly #until = new Map<string, { readonly atMs: number; readonly limit: LimitName }>();

  /** Remembers the bucket of `refusal`, received at `nowMs`, as empty until its next token. */
  record(refusal: Refusal, nowMs: number): void {
    // Keys' buckets come and go: those whose token has come are forgotten once there are many.
    if (this.#until.size >= sweepAbove) {
      for (const [id, empty] of this.#until) if (empty.atMs <= nowMs) this.#until.delete(id);
    }
    this.#until.set(refusal.bucket, { atMs: nowMs + refusal.waitMs, limit: refusal.limit });
  }

  /** The refusal of a request to which the buckets `ids` apply, when one of them is still empty at `nowMs`. */
  refusal(ids: readonly string[], nowMs: number): Refusal | undefined {
    let longest: Refusal | undefined;
    for (const id of ids) {
      const empty = this.#until.get(id);
      if (empty === undefined) continue;
      const waitMs = empty.atMs - nowMs;
      if (waitMs <= 0) {
        this.#until.delete(id);
        continue;
      }
      if (longest === undefined || waitMs > longest.waitMs) {
        longest = { limit: empty.limit, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), bucket: id, waitMs };
      }
    }
    return longest;
  }
}
