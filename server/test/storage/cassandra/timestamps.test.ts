import { describe, expect, it } from 'vitest';
import { type Clocks, MicrosecondTimestamps } from '../../../src/storage/cassandra/timestamps.js';

/** Clocks a test sets: the wall clock in whole milliseconds, as Date.now() reads it. */
class SetClocks implements Clocks {
  readonly originMs = 1_800_000_000_000;
  elapsedMs = 0;
  wallOffsetMs = 0;
  readonly wallMs = () => Math.floor(this.originMs + this.elapsedMs + this.wallOffsetMs);
  readonly monotonicMs = () => this.elapsedMs;
}

describe('write timestamps', () => {
  it('order the writes of two processes within one millisecond as they happened', () => {
    const clocks = new SetClocks();
    const [busy, other] = [new MicrosecondTimestamps(clocks), new MicrosecondTimestamps(clocks)];
    const stamps: number[] = [];
    for (const elapsedMs of [0.1, 0.2, 0.3, 0.4]) {
      clocks.elapsedMs = elapsedMs;
      stamps.push(busy.next());
    }
    clocks.elapsedMs = 0.5;
    const later = other.next();
    expect(later).toBeGreaterThan(Math.max(...stamps));
    expect(later).toBe((clocks.originMs + 0.5) * 1000);
  });

  it('stay within the millisecond the wall clock reads', () => {
    const clocks = new SetClocks();
    const timestamps = new MicrosecondTimestamps(clocks);
    clocks.elapsedMs = 7.25;
    clocks.wallOffsetMs = -0.5;
    // The wall clock reads a millisecond earlier than the monotonic clock counts from its origin: its reading wins.
    expect(timestamps.next()).toBe((clocks.originMs + 6) * 1000 + 999);
  });

  it('follow the wall clock when it is set, and never repeat within a process', () => {
    const clocks = new SetClocks();
    const timestamps = new MicrosecondTimestamps(clocks);
    clocks.elapsedMs = 10;
    const before = timestamps.next();
    clocks.wallOffsetMs = 2_000;
    const after = timestamps.next();
    expect(after).toBeGreaterThanOrEqual((clocks.originMs + 2_010) * 1000);
    expect(after).toBeLessThan((clocks.originMs + 2_011) * 1000);
    clocks.wallOffsetMs = -5_000;
    const setBack = [timestamps.next(), timestamps.next()];
    expect(setBack[0]).toBeGreaterThan(after);
    expect(setBack[1]).toBeGreaterThan(setBack[0] as number);
    expect(before).toBe((clocks.originMs + 10) * 1000);
  });
});
