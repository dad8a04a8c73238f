import { setTimeout as sleep } from 'node:timers/promises';
import { policies } from 'cassandra-driver';

/** The clocks a generator reads: the wall clock in whole milliseconds, and a monotonic one in fractions of them. */
export interface Clocks {
  readonly wallMs: () => number;
  readonly monotonicMs: () => number;
}

const systemClocks: Clocks = { wallMs: Date.now, monotonicMs: () => performance.now() };

// How far a reading of the wall clock may disagree with the origin before the origin is found again: far more than
// the clocks' jitter (a microsecond here), far less than a write takes.
const strayMs = 0.05;
// Finding the origin spins the thread until the wall clock's millisecond turns (at most a millisecond): at start, and
// after the wall clock is set, at most this often.
const findAgainAfterMs = 1000;
// A conditional write waits for a later millisecond at most this long: after the wall clock is set back, the stamps
// stay ahead of it until it catches up, and waiting for that would hold every conditional write as long.
const longestWaitMs = 2;
// The longest a turn of the spin may take for the turn it sees to count: a longer one was paused.
const spinStepMs = 0.005;
const spinLimitMs = 5;

/**
 * Write timestamps in microseconds of the wall clock, with a microsecond's resolution: Cassandra keeps the write
 * with the greatest timestamp, so these must order two writes sent by two processes as they happened.
 *
 * NOTE: the driver's own generator counts microseconds within Date.now()'s millisecond, one count per process, so
 * two workers ordered their writes of one millisecond by how many each had sent: a POST answered 201 lost to one
 * acknowledged before it through another worker (305 of 5,000 on one node; docs/clients/guarantees.md). Kask's gocql
 * stamps time.Now() in microseconds. Node.js has no such clock: this reads the monotonic one, shared by every process
 * of the machine, from its origin on the wall clock, found where the wall clock's millisecond turns (Node.js's own
 * origin, read at start, is put off by a pause of the thread then); each write's reading of the wall clock, taken
 * within one millisecond either side of the monotonic one's, checks it.
 * The driver takes only instances of its own generator classes: this one replaces its monotonic one's `next`.
 */
export class MicrosecondTimestamps extends policies.timestampGeneration.MonotonicTimestampGenerator {
  readonly #clocks: Clocks;
  #originMs = 0;
  #foundAtMs = Number.NEGATIVE_INFINITY;
  #last = 0;

  constructor(clocks: Clocks = systemClocks) {
    super(1000, 1000);
    this.#clocks = clocks;
    this.#findOrigin();
  }

  override next(): number {
    const before = this.#clocks.wallMs();
    let monotonic = this.#clocks.monotonicMs();
    // A reading across a pause of the thread (the millisecond turned) tells nothing.
    const strays =
      this.#clocks.wallMs() === before &&
      (this.#originMs < before - monotonic - strayMs || this.#originMs >= before + 1 - monotonic + strayMs);
    if (strays && monotonic - this.#foundAtMs >= findAgainAfterMs) monotonic = this.#findOrigin();
    // Above the last one: two writes of one process never tie, and a wall clock set back never reorders them.
    this.#last = Math.max(Math.floor((this.#originMs + monotonic) * 1000), this.#last + 1);
    return this.#last;
  }

  /**
   * The first millisecond of the wall clock in which a timestamp that Cassandra takes from its own clock in whole
   * milliseconds is greater than every timestamp given so far by this generator, or by another process's on this
   * machine; but at most two after the wall clock's reading now, which a wall clock set back puts behind the stamps.
   */
  laterMillisecond(): number {
    const nowMs = this.#originMs + this.#clocks.monotonicMs() + strayMs;
    const later = Math.floor(Math.max(nowMs, this.#last / 1000)) + 1;
    return Math.min(later, this.#clocks.wallMs() + longestWaitMs);
  }

  /**
   * Resolves in laterMillisecond().
   *
   * NOTE: a lightweight transaction's write carries its Paxos ballot's timestamp, which Cassandra takes from its own
   * clock in whole milliseconds, not the client's: sent within the millisecond of a plain write's timestamp, it lost to
   * that write however much later it came, though it was applied (12 of 300 compareAndSets after a set, 10 of 300
   * adds after a delete; the driver's timestamps lost the second kind too). Waiting for the next millisecond orders
   * it after every write acknowledged before it on this machine's clock.
   */
  async untilLaterMillisecond(): Promise<void> {
    const later = this.laterMillisecond();
    while (this.#clocks.wallMs() < later) await sleep(1);
  }

  /** Finds the origin where the wall clock's millisecond turns; the monotonic clock's reading then. */
  #findOrigin(): number {
    const { wallMs, monotonicMs } = this.#clocks;
    // Monotonic readings and wall readings alternate: a turn between two wall readings lies between the monotonic
    // readings either side of them.
    let before = monotonicMs();
    const started = before;
    let wall = wallMs();
    for (;;) {
      const between = monotonicMs();
      const reading = wallMs();
      const after = monotonicMs();
      if (reading !== wall && after - before <= spinStepMs) {
        this.#originMs = reading - (before + after) / 2;
        this.#foundAtMs = after;
        return after;
      }
      if (after - started > spinLimitMs) {
        // A wall clock that does not turn (stopped, or a pause at every turn): the middle of its millisecond.
        this.#originMs = reading + 0.5 - after;
        this.#foundAtMs = after;
        return after;
      }
      [before, wall] = [between, reading];
    }
  }
}
