import { policies } from 'cassandra-driver';

/** The clocks a generator reads: the wall clock in milliseconds, and a monotonic one with its wall-clock origin. */
export interface Clocks {
  readonly wallMs: () => number;
  readonly monotonicMs: () => number;
  readonly originMs: number;
}

const systemClocks: Clocks = { wallMs: Date.now, monotonicMs: () => performance.now(), originMs: performance.timeOrigin };

// How far the monotonic clock's reading may stray from the wall clock's millisecond before the wall clock is taken to
// have been set (a step, not a slew: both clocks are slewed alike) and the origin is set again.
const strayMicros = 1000;

/**
 * Write timestamps in microseconds of the wall clock, with a microsecond's resolution: Cassandra keeps the write
 * with the greatest timestamp, so these must order two writes sent by two processes as they happened.
 *
 * NOTE: the driver's own generator counts microseconds within Date.now()'s millisecond, one count per process: a
 * worker that had sent three writes in a millisecond stamped its fourth above the first write of another worker a
 * moment later in the same millisecond. A POST answered 201 through one worker and a POST of the same key sent
 * through another after it lost to it: 305 of 5,000 second writes on one node, each sent after the first was
 * acknowledged. Kask's gocql stamps time.Now() in microseconds, as this does (monotonic clock from its origin,
 * kept within the wall clock's millisecond).
 * The driver takes only instances of its own generator classes: this one replaces its monotonic one's `next`.
 */
export class MicrosecondTimestamps extends policies.timestampGeneration.MonotonicTimestampGenerator {
  readonly #clocks: Clocks;
  #originMs: number;
  #last = 0;

  constructor(clocks: Clocks = systemClocks) {
    super(1000, 1000);
    this.#clocks = clocks;
    this.#originMs = clocks.originMs;
  }

  override next(): number {
    const wallMicros = this.#clocks.wallMs() * 1000;
    let micros = Math.floor((this.#originMs + this.#clocks.monotonicMs()) * 1000);
    if (micros < wallMicros - strayMicros || micros >= wallMicros + 1000 + strayMicros) {
      this.#originMs = wallMicros / 1000 + 0.5 - this.#clocks.monotonicMs();
      micros = wallMicros + 500;
    }
    // Within the wall clock's millisecond, and above the last one: two writes of one process never tie.
    this.#last = Math.max(Math.min(Math.max(micros, wallMicros), wallMicros + 999), this.#last + 1);
    return this.#last;
  }
}
