// Some log lines are a client's doing, one per request or connection it makes (a denied request, a failed TLS
// handshake): a client that makes thousands would write thousands. These go through a throttle: the first line
// about a source (an address, a client) in an interval is written, and says how many were suppressed before it;
// the others are suppressed (the metrics still count them). Its memory is bounded, so that a flood from many addresses cannot
// grow it: while every source it remembers is within its interval, the sources it has no room for share one.

/** A source's lines are written at most once in this many milliseconds. */
export const logIntervalMs = 60_000;

/** The sources remembered at once; beyond them, every other source shares one interval. */
export const rememberedSources = 256;

interface Interval {
  readonly started: number;
  /** Lines about the source suppressed since `started`. */
  suppressed: number;
}

/** Decides which log lines about each source are written (one per source per interval); one per kind of line. */
export class LogThrottle {
  // In the order their intervals started, the oldest first: a source whose interval starts again moves last.
  readonly #intervals = new Map<string, Interval>();
  /** The interval the sources share that find no room. */
  #shared: Interval | undefined;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Whether a line about `source` is written now: undefined when it is suppressed, else how many lines about it
   * were suppressed since the last one written (about any of the sources without room, for one of those).
   */
  admit(source: string): number | undefined {
    const now = this.#now();
    const interval = this.#intervals.get(source);
    if (interval !== undefined) {
      if (now - interval.started < logIntervalMs) return this.#suppress(interval);
      this.#intervals.delete(source);
    } else if (this.#intervals.size >= rememberedSources) {
      this.#forgetEnded(now);
      if (this.#intervals.size >= rememberedSources) {
        const shared = this.#shared;
        if (shared !== undefined && now - shared.started < logIntervalMs) return this.#suppress(shared);
        this.#shared = { started: now, suppressed: 0 };
        return shared?.suppressed ?? 0;
      }
    }
    this.#intervals.set(source, { started: now, suppressed: 0 });
    return interval?.suppressed ?? 0;
  }

  #suppress(interval: Interval): undefined {
    interval.suppressed++;
    return undefined;
  }

  /** Forgets the sources whose interval has ended (with their count of lines suppressed, which no line will say). */
  #forgetEnded(now: number): void {
    for (const [source, interval] of this.#intervals) {
      if (now - interval.started < logIntervalMs) return;
      this.#intervals.delete(source);
    }
  }
}

/** What a written line says of the lines suppressed before it: nothing when none were. */
export function suppressedField(suppressed: number): { suppressed?: number } {
  return suppressed === 0 ? {} : { suppressed };
}
