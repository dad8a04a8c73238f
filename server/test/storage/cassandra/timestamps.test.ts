import { describe, expect, it } from 'vitest';
import { type Clocks, MicrosecondTimestamps } from '../../../src/storage/cassandra/timestamps.js';

/** A machine's clocks, which a test sets: its wall clock reads whole milliseconds, as Date.now() does. */
class Machine {
  readonly epochMs = 1_800_000_000_000;
  elapsedMs = 0;
  /** How far the wall clock was set from the real time. */
  wallOffsetMs = 0;
  /** A wall clock that stands still reads this. */
  stoppedWallMs: number | undefined;
  /** How long the thread pauses after its next reading of the wall clock. */
  pauseMs = 0;
  /** Each reading of the monotonic clock takes this long, as a turn of a spinning loop. */
  readonly readingMs = 0.0002;

  readonly clocks: Clocks = {
    wallMs: () => {
      const reading = this.stoppedWallMs ?? Math.floor(this.epochMs + this.elapsedMs + this.wallOffsetMs);
      this.elapsedMs += this.pauseMs;
      this.pauseMs = 0;
      return reading;
    },
    monotonicMs: () => {
      this.elapsedMs += this.readingMs;
      return this.elapsedMs;
    },
  };

  /** The wall clock's time now, in microseconds, had it microseconds. */
  realMicros(): number {
    return (this.epochMs + this.elapsedMs + this.wallOffsetMs) * 1000;
  }
}

/** `timestamps` stamps writes at each of `moments` (elapsed milliseconds); the last stamp. */
function stampAt(machine: Machine, timestamps: MicrosecondTimestamps, moments: readonly number[]): number {
  let last = 0;
  for (const moment of moments) {
    machine.elapsedMs = moment;
    last = timestamps.next();
  }
  return last;
}

/** How far `stamp` is from the machine's wall-clock time now, in microseconds. */
const offBy = (machine: Machine, stamp: number) => Math.abs(stamp - machine.realMicros());

describe('write timestamps', () => {
  it('order the writes of two processes within one millisecond as they happened, to the microsecond', () => {
    const machine = new Machine();
    const [busy, other] = [new MicrosecondTimestamps(machine.clocks), new MicrosecondTimestamps(machine.clocks)];
    const busiest = stampAt(machine, busy, [10.1, 10.2, 10.3, 10.4]);
    const later = stampAt(machine, other, [10.41]);
    expect(later).toBeGreaterThan(busiest);
    expect(offBy(machine, later)).toBeLessThanOrEqual(1);
  });

  it('find their origin where the millisecond turns, not across a pause of the thread', () => {
    const machine = new Machine();
    machine.elapsedMs = 0.3;
    machine.pauseMs = 2.5;
    const timestamps = new MicrosecondTimestamps(machine.clocks);
    expect(offBy(machine, stampAt(machine, timestamps, [20.7]))).toBeLessThanOrEqual(1);
  });

  it('keep their origin when the thread pauses between its readings of the clocks', () => {
    const machine = new Machine();
    const timestamps = new MicrosecondTimestamps(machine.clocks);
    machine.elapsedMs = 5.9;
    machine.pauseMs = 2.5;
    expect(offBy(machine, timestamps.next())).toBeLessThanOrEqual(1);
    expect(offBy(machine, stampAt(machine, timestamps, [9.3]))).toBeLessThanOrEqual(1);
  });

  it('hold their origin through readings a few microseconds off, as the two clocks jitter', () => {
    const machine = new Machine();
    const timestamps = new MicrosecondTimestamps(machine.clocks);
    machine.wallOffsetMs = 0.004;
    stampAt(machine, timestamps, [1_500.997, 1_501.2, 1_502.999]);
    machine.wallOffsetMs = 0;
    expect(offBy(machine, stampAt(machine, timestamps, [1_503.5]))).toBeLessThanOrEqual(1);
  });

  for (const stepMs of [0.3, 2_000.25]) {
    it(`follow the wall clock when it is set forward by ${stepMs} ms, at most a second after they last found it`, () => {
      const machine = new Machine();
      const timestamps = new MicrosecondTimestamps(machine.clocks);
      machine.wallOffsetMs = stepMs;
      // Writes at two moments of their milliseconds: the second reads the wall clock where a step of 0.3 ms shows.
      stampAt(machine, timestamps, [1_002.6, 1_003.8]);
      expect(offBy(machine, stampAt(machine, timestamps, [1_006.3]))).toBeLessThanOrEqual(1);
    });
  }

  it('never repeat nor go back within a process, when the wall clock is set back', () => {
    const machine = new Machine();
    const timestamps = new MicrosecondTimestamps(machine.clocks);
    const before = stampAt(machine, timestamps, [1_010]);
    machine.wallOffsetMs = -5_000;
    const after = [timestamps.next(), timestamps.next()];
    expect(after[0]).toBeGreaterThan(before);
    expect(after[1]).toBeGreaterThan(after[0] as number);
  });

  it('start and go on stamping in order under a wall clock that stands still', () => {
    const machine = new Machine();
    machine.stoppedWallMs = machine.epochMs;
    const timestamps = new MicrosecondTimestamps(machine.clocks);
    const stamps = [timestamps.next(), timestamps.next()];
    expect(stamps[1]).toBeGreaterThan(stamps[0] as number);
    expect(Math.floor((stamps[0] as number) / 1000)).toBe(machine.epochMs);
  });
});

describe("the millisecond of a lightweight transaction's ballot", () => {
  // Cassandra stamps a ballot with its own clock's millisecond, times 1,000: the ballot follows a stamp s when its
  // millisecond is later than s / 1,000.
  it("is the next one after this machine's stamps: later than another process's stamp of the same moment", () => {
    const machine = new Machine();
    const [writer, other] = [new MicrosecondTimestamps(machine.clocks), new MicrosecondTimestamps(machine.clocks)];
    const written = stampAt(machine, writer, [20.4]);
    machine.elapsedMs = 20.41;
    const later = other.laterMillisecond();
    expect(later * 1000).toBeGreaterThan(written);
    expect(later).toBe(Math.floor(machine.realMicros() / 1000) + 1);
  });

  it('is one more where the millisecond is about to turn, as another process may read the clocks a little later', () => {
    const machine = new Machine();
    const timestamps = new MicrosecondTimestamps(machine.clocks);
    machine.elapsedMs = 30.98;
    expect(timestamps.laterMillisecond()).toBe(Math.floor(machine.realMicros() / 1000) + 2);
  });

  it('is at most two milliseconds ahead of the wall clock when the clock was set back behind the stamps', () => {
    const machine = new Machine();
    const timestamps = new MicrosecondTimestamps(machine.clocks);
    stampAt(machine, timestamps, [50.2]);
    machine.wallOffsetMs = -60_000;
    machine.elapsedMs = 50.3;
    expect(timestamps.laterMillisecond()).toBe(Math.floor(machine.realMicros() / 1000) + 2);
  });

  it("is later than the process's own stamps when a burst took them beyond the clock", () => {
    const machine = new Machine();
    const timestamps = new MicrosecondTimestamps(machine.clocks);
    machine.elapsedMs = 40.5;
    let last = 0;
    // 800 stamps in 0.16 ms: the last is 0.8 ms ahead of the clock, past its millisecond.
    for (let i = 0; i < 800; i += 1) last = timestamps.next();
    expect(timestamps.laterMillisecond() * 1000).toBeGreaterThan(last);
  });
});
