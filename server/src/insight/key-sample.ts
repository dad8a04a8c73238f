// How many keys were written once, a few times, many times: exact counts for a sample of the keys chosen by their
// id (a keyed hash, so a client cannot choose to be in it), halved whenever it would hold more than its bound. The
// sample at level L holds the keys whose id's first 32 bits are below 2^(32 − L): one in 2^L, each with every one
// of its writes, so a key's count is exact and the number of keys in each group is the sample's times 2^L.
// Samples of the same keys' writes at different levels merge at the highest, on which they all agree.

/** Every write of each sampled key (by id), the sample holding one key in 2^level. */
export interface KeySampleSummary {
  readonly level: number;
  readonly counts: readonly (readonly [id: string, count: number])[];
}

/** The groups of keys by how many times each was written. */
export const writeGroups = [
  { name: '1', most: 1 },
  { name: '2-5', most: 5 },
  { name: '6-20', most: 20 },
  { name: '21+', most: Number.POSITIVE_INFINITY },
] as const;

export type WriteGroup = (typeof writeGroups)[number]['name'];

/** The first 32 bits of an id (hexadecimal, at least 8 digits), which choose the sample it is in. */
function sampleBits(id: string): number {
  return Number.parseInt(id.slice(0, 8), 16);
}

function inSample(id: string, level: number): boolean {
  return sampleBits(id) < 2 ** (32 - level);
}

/** The counts of the ids in the sample of `level`, at least `level`, raised until at most `bound` remain. */
function sampled(counts: Iterable<readonly [string, number]>, level: number, bound: number): KeySampleSummary {
  let kept = [...counts].filter(([id]) => inSample(id, level));
  let raised = level;
  while (kept.length > bound) {
    raised++;
    kept = kept.filter(([id]) => inSample(id, raised));
  }
  return { level: raised, counts: kept };
}

/** The writes of a sample of keys, as they come; it never holds more than `bound` keys. */
export class KeySample {
  readonly #bound: number;
  #counts = new Map<string, number>();
  #level = 0;

  constructor(bound: number) {
    this.#bound = bound;
  }

  offer(id: string): void {
    if (!inSample(id, this.#level)) return;
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
    if (this.#counts.size <= this.#bound) return;
    const { level, counts } = sampled(this.#counts, this.#level + 1, this.#bound);
    this.#level = level;
    this.#counts = new Map(counts);
  }

  summary(): KeySampleSummary {
    return { level: this.#level, counts: [...this.#counts] };
  }
}

/** Samples of writes (slices of time, workers) as one: at their highest level, each key's writes added, within `bound`. */
export function mergeSamples(samples: readonly KeySampleSummary[], bound: number): KeySampleSummary {
  const level = Math.max(0, ...samples.map((sample) => sample.level));
  const merged = new Map<string, number>();
  for (const sample of samples) {
    for (const [id, count] of sample.counts) merged.set(id, (merged.get(id) ?? 0) + count);
  }
  return sampled(merged, level, bound);
}

/** How many keys were written as many times as each group says, estimated from the sample (exact at level 0). */
export function keysByWrites(sample: KeySampleSummary): Record<WriteGroup, number> {
  const groups = Object.fromEntries(writeGroups.map(({ name }) => [name, 0])) as Record<WriteGroup, number>;
  for (const [, count] of sample.counts) {
    const group = writeGroups.find(({ most }) => count <= most) as (typeof writeGroups)[number];
    groups[group.name] += 2 ** sample.level;
  }
  return groups;
}
