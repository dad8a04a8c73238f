// The most written keys in bounded memory: a Space-Saving sketch (Metwally, Agrawal and El Abbadi, 2005) counts
// the writes as they come, at O(log n) each; what it reports, and what workers and slices of time merge, is the
// equivalent Misra-Gries summary, whose merge keeps its error bound however often it is repeated (Agarwal et al.,
// "Mergeable summaries", 2012). Keys are ids here: insight never holds a session key.

/** At most `capacity` ids with a lower bound of their counts, out of `total` counted. */
export interface FrequentIds {
  readonly total: number;
  readonly counts: readonly (readonly [id: string, count: number])[];
}

/**
 * How far below its true count any id's count in `summary` may be (an id absent counts 0): (total − counted) /
 * (capacity + 1). So an id counted more than this many times is certainly in the summary.
 */
export function undercountBound(summary: FrequentIds, capacity: number): number {
  const counted = summary.counts.reduce((sum, [, count]) => sum + count, 0);
  return (summary.total - counted) / (capacity + 1);
}

/** The summaries of several streams as one of their union, of at most `capacity` ids. */
export function mergeFrequent(summaries: readonly FrequentIds[], capacity: number): FrequentIds {
  const merged = new Map<string, number>();
  let total = 0;
  for (const summary of summaries) {
    total += summary.total;
    for (const [id, count] of summary.counts) merged.set(id, (merged.get(id) ?? 0) + count);
  }
  let counts = [...merged].sort((a, b) => b[1] - a[1]);
  if (counts.length > capacity) {
    // Taking the (capacity + 1)th count off every id is what keeps the bound: the ids dropped count less.
    const cut = counts[capacity]?.[1] ?? 0;
    counts = counts.slice(0, capacity).map(([id, count]) => [id, count - cut] as [string, number]);
    counts = counts.filter(([, count]) => count > 0);
  }
  return { total, counts };
}

/** A Space-Saving sketch of `capacity + 1` counters, kept in a min-heap, with the key's position in the heap. */
export class SpaceSaving {
  readonly #counters: number;
  readonly #ids: string[] = [];
  readonly #counts: number[] = [];
  readonly #positions = new Map<string, number>();
  #total = 0;

  constructor(capacity: number) {
    this.#counters = capacity + 1;
  }

  /** Counts one occurrence of `id`: its counter, else a free one, else the smallest, taken over. */
  offer(id: string): void {
    this.#total++;
    let at = this.#positions.get(id);
    if (at === undefined && this.#ids.length < this.#counters) {
      at = this.#ids.push(id) - 1;
      this.#counts.push(1);
      this.#positions.set(id, at);
      this.#siftUp(at);
      return;
    }
    if (at === undefined) {
      // The smallest counter's id gives way; the newcomer inherits its count, an overestimate by at most that.
      at = 0;
      this.#positions.delete(this.#ids[0] as string);
      this.#ids[0] = id;
      this.#positions.set(id, 0);
    }
    this.#counts[at] = (this.#counts[at] as number) + 1;
    this.#siftDown(at);
  }

  /** The Misra-Gries summary: each counter less the smallest (what its id was surely counted), those above 0. */
  summary(): FrequentIds {
    const floor = this.#ids.length < this.#counters ? 0 : (this.#counts[0] as number);
    const counts: [string, number][] = [];
    this.#ids.forEach((id, i) => {
      const count = (this.#counts[i] as number) - floor;
      if (count > 0) counts.push([id, count]);
    });
    return { total: this.#total, counts };
  }

  #siftUp(from: number): void {
    let at = from;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if ((this.#counts[parent] as number) <= (this.#counts[at] as number)) return;
      this.#swap(at, parent);
      at = parent;
    }
  }

  #siftDown(from: number): void {
    let at = from;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.#ids.length) return;
      const right = left + 1;
      const child = right < this.#ids.length && (this.#counts[right] as number) < (this.#counts[left] as number) ? right : left;
      if ((this.#counts[child] as number) >= (this.#counts[at] as number)) return;
      this.#swap(at, child);
      at = child;
    }
  }

  #swap(a: number, b: number): void {
    const [idA, idB] = [this.#ids[a] as string, this.#ids[b] as string];
    [this.#ids[a], this.#ids[b]] = [idB, idA];
    [this.#counts[a], this.#counts[b]] = [this.#counts[b] as number, this.#counts[a] as number];
    this.#positions.set(idB, a);
    this.#positions.set(idA, b);
  }
}
