import { policies } from 'cassandra-driver';

/** The clocks a generator reads: the wall clock in milliseconds, and a monotonic one with its wall-clock origin. */
export interface Clocks {
  readonly wallMs: () => number;
  readonly monotonicMs: () => number;
  readonly originMs: number;
}

const systemClocks: Clocks = { wallMs: Date.now, monotonicMs: () => performance.now(), originMs: performance.timeOrigin };

// How far readings of the wall clock may disagree about the origin before the wall clock is taken to have been set:
// far more than the clocks' jitter (microseconds), less than a write takes.
const strayMs = 1;

/**
 * Write timestamps in microseconds of the wall clock, with a microsecond's resolution: Cassandra keeps the write
 * with the greatest timestamp, so these must order two writes sent by two processes as they happened.
 *
 * NOTE: the driver's own generator counts microseconds within Date.now()'s millisecond, one count per process: a
 * worker that had sent three writes in a millisecond stamped its fourth above the first write of another worker a
 * moment later in the same millisecond. A POST answered 201 through one worker and a POST of the same key sent
 * through another after it lost to it: 305 of 5,000 second writes on one node, each sent after the first was
 * acknowledged. Kask's gocql stamps time.Now() in microseconds. Node.js has no such clock: this reads the monotonic
 * one, shared by every process of the machine, from its origin on the wall clock, which Node.js reads at start (to
 * some microseconds here) and each reading of the wall clock checks: one taken in the same millisecond before and
 * after a reading of the monotonic clock bounds the origin to a millisecond, readings of different moments narrow
 * it to microseconds, and readings that disagree by more than a millisecond mean the wall clock was set. A first
 * version moved the origin on any one reading over a millisecond off; a pause of the thread between its two readings
 * (a loaded machine) moved it by up to a millisecond: 65 of 1,000 second writes lost again (CI), and two
 * generators, one stamping some microseconds after the other, misordered 442,873 stamps of 1,000,000 by up to
 * 839 µs under load, where these misorder none.
 * The driver takes only instances of its own generator classes: this one replaces its monotonic one's `next`.
 */
export class MicrosecondTimestamps extends policies.timestampGeneration.MonotonicTimestampGenerator {
  readonly #clocks: Clocks;
  /** The origin Node.js read at start; forgotten once the wall clock is set. */
  #startOriginMs: number | undefined;
  /** The origins that every reading of the wall clock allows, since it was last set. */
  #bounds: [number, number] | undefined;
  #originMs: number;
  #last = 0;

  constructor(clocks: Clocks = systemClocks) {
    super(1000, 1000);
    this.#clocks = clocks;
    this.#startOriginMs = clocks.originMs;
    this.#originMs = clocks.originMs;
  }

  override next(): number {
    const before = this.#clocks.wallMs();
    const monotonic = this.#clocks.monotonicMs();
    // A reading across a pause of the thread bounds nothing.
    if (this.#clocks.wallMs() === before) this.#narrow(before - monotonic, before + 1 - monotonic);
    // Above the last one: two writes of one process never tie, and a wall clock set back never reorders them.
    this.#last = Math.max(Math.floor((this.#originMs + monotonic) * 1000), this.#last + 1);
    return this.#last;
  }

  /** A reading of the wall clock: the origin lies in [low, high). */
  #narrow(low: number, high: number): void {
    const [lowest, highest] =
      this.#bounds === undefined ? [low, high] : [Math.max(this.#bounds[0], low), Math.min(this.#bounds[1], high)];
    if (lowest > highest + strayMs) {
      // The readings disagree by more than the clocks' jitter: the wall clock was set; start again from this one.
      this.#bounds = [low, high];
      this.#startOriginMs = undefined;
    } else {
      this.#bounds = [lowest, highest];
    }
    const [first, last] = this.#bounds;
    // Bounds crossed by a microsecond of the clocks' jitter hold the origin between them.
    this.#originMs =
      this.#startOriginMs === undefined || first > last
        ? (first + last) / 2
        : Math.min(Math.max(this.#startOriginMs, first), last);
  }
}
