import { describe, expect, it } from 'vitest';
import { type Clocks, MicrosecondTimestamps } from '../../../src/storage/cassandra/timestamps.js';

/** A machine's clocks, which a test sets: its wall clock reads whole milliseconds, as Date.now() does. */
class Machine {
  readonly originMs = 1_800_000_000_000;
  elapsedMs = 0;
  /** How far the wall clock was set from the real time. */
  wallOffsetMs = 0;
  /** How long the thread pauses after its next reading of the wall clock. */
  pauseMs = 0;

  /** The clocks of a process that took its origin `originErrorMs` off at start. */
  clocks(originErrorMs = 0): Clocks {
    return {
      originMs: this.originMs + originErrorMs,
      wallMs: () => {
        const reading = Math.floor(this.originMs + this.elapsedMs + this.wallOffsetMs);
        this.elapsedMs += this.pauseMs;
        this.pauseMs = 0;
        return reading;
      },
      monotonicMs: () => this.elapsedMs,
    };
  }

  /** The wall clock's time now, in microseconds, had it microseconds. */
  realMicros(): number {
    return (this.originMs + this.elapsedMs + this.wallOffsetMs) * 1000;
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

describe('write timestamps', () => {
  it('order the writes of two processes within one millisecond as they happened', () => {
    const machine = new Machine();
    const [busy, other] = [new MicrosecondTimestamps(machine.clocks()), new MicrosecondTimestamps(machine.clocks())];
    const busiest = stampAt(machine, busy, [0.1, 0.2, 0.3, 0.4]);
    const later = stampAt(machine, other, [0.5]);
    expect(later).toBeGreaterThan(busiest);
    expect(later).toBe(machine.realMicros());
  });

  it('agree between processes whose origins at start were off, after writes at a few moments', () => {
    const machine = new Machine();
    const [ahead, behind] = [new MicrosecondTimestamps(machine.clocks(0.8)), new MicrosecondTimestamps(machine.clocks(-0.3))];
    const moments = [1.13, 2.71, 3.42, 4.96, 5.05, 6.58, 7.27, 8.89, 9.64, 10.31];
    stampAt(machine, ahead, moments);
    stampAt(
      machine,
      behind,
      moments.map((moment) => moment + 20.47),
    );
    machine.elapsedMs = 40.2;
    const [first, second] = [ahead.next(), behind.next()];
    // The readings' moments within their milliseconds came no nearer than 50 µs to a millisecond's edge.
    expect(Math.abs(first - machine.realMicros())).toBeLessThanOrEqual(50);
    expect(Math.abs(second - machine.realMicros())).toBeLessThanOrEqual(50);
  });

  it('keep their origin when the thread pauses between its readings of the clocks', () => {
    const machine = new Machine();
    const timestamps = new MicrosecondTimestamps(machine.clocks());
    stampAt(machine, timestamps, [1.13, 2.71, 3.42, 4.96]);
    machine.elapsedMs = 5.9;
    machine.pauseMs = 2.5;
    expect(timestamps.next()).toBe(machine.realMicros());
    expect(stampAt(machine, timestamps, [9.3])).toBe(machine.realMicros());
  });

  it('hold their origin through readings a few microseconds off, as the two clocks jitter', () => {
    const machine = new Machine();
    const timestamps = new MicrosecondTimestamps(machine.clocks());
    stampAt(machine, timestamps, [1.13, 2.71, 3.42, 4.96, 5.05, 6.58, 7.27, 8.999, 9.001]);
    machine.wallOffsetMs = 0.004;
    stampAt(machine, timestamps, [9.997, 11.2]);
    machine.wallOffsetMs = 0;
    expect(Math.abs(stampAt(machine, timestamps, [12.5]) - machine.realMicros())).toBeLessThanOrEqual(5);
  });

  it('follow the wall clock when it is set, to the microsecond after readings at a few moments', () => {
    const machine = new Machine();
    const timestamps = new MicrosecondTimestamps(machine.clocks());
    expect(stampAt(machine, timestamps, [10])).toBe(machine.realMicros());
    machine.wallOffsetMs = 2_000.25;
    for (const moment of [11.1, 12.35, 13.5, 14.76, 15.8, 16.74, 17.7]) {
      const stamp = stampAt(machine, timestamps, [moment]);
      // Within the millisecond the wall clock reads from the first reading on.
      expect(Math.floor(stamp / 1000)).toBe(Math.floor(machine.realMicros() / 1000));
    }
    expect(Math.abs(stampAt(machine, timestamps, [18.4]) - machine.realMicros())).toBeLessThan(50);
  });

  it('never repeat nor go back within a process, when the wall clock is set back', () => {
    const machine = new Machine();
    const timestamps = new MicrosecondTimestamps(machine.clocks());
    const before = stampAt(machine, timestamps, [10]);
    machine.wallOffsetMs = -5_000;
    const after = [timestamps.next(), timestamps.next()];
    expect(after[0]).toBeGreaterThan(before);
    expect(after[1]).toBeGreaterThan(after[0] as number);
  });
});
