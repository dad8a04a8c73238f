import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fail } from '../validation/rules.js';
import { type FrequentIds, mergeFrequent, SpaceSaving } from './frequent-keys.js';
import { KeySample, type KeySampleSummary, mergeSamples } from './key-sample.js';

// The writes of each key of a namespace over the last window, without holding a key: each is known by its keyed
// hash. A window is ten slices of a tenth of it, each with its sketch of the most written keys and its sample of
// keys; the oldest slice is dropped as a new one starts, so a summary covers the current slice so far and the nine
// before it. Slices start at multiples of their length since the epoch, so the workers' slices line up.

/** The ids the top-keys sketch keeps (1,024 counters): how many writes the error bound divides. */
export const frequentCapacity = 1023;
/** The keys a slice's sample holds; a summary's holds up to four times as many. */
const sliceSampleBound = 1024;
const summarySampleBound = 4 * sliceSampleBound;
const slicesPerWindow = 10;

/** What insight knows of a namespace's writes over the window: the most written keys and a sample of all. */
export interface KeyWritesSummary {
  readonly frequent: FrequentIds;
  readonly sample: KeySampleSummary;
}

/** Each namespace's key writes over the window, by namespace name: the whole service's, or one process's. */
export type KeyWritesReport = Readonly<Record<string, KeyWritesSummary>>;

/** The digits of the keyed hash shown for a key: 64 bits. */
const idHexDigits = 16;

/**
 * The id standing for a session key wherever insight shows one: HMAC-SHA256 of the key (its UTF-8 bytes, as
 * decoded from the URL) with `secret`, the first 64 bits in hexadecimal. Without the secret nobody can tell which
 * key an id is, nor find one that has it; with it, an operator can compute a known key's id.
 */
export function keyHasher(secret: Buffer): (key: string) => string {
  return (key) => createHmac('sha256', secret).update(key).digest('hex').slice(0, idHexDigits);
}

/** A secret guessed by trying is no secret: 32 bytes, as many as the hash's. */
const shortestSecretBytes = 32;

/**
 * The secret in `insight.secret_file`: its bytes less trailing newlines (as `$(cat file)` gives them in a shell);
 * a ConfigError when it is shorter than 32 bytes.
 */
export function readInsightSecret(path: string): Buffer {
  let secret = readFileSync(path);
  let end = secret.length;
  while (end > 0 && secret[end - 1] === 0x0a) end--;
  secret = secret.subarray(0, end);
  if (secret.length < shortestSecretBytes) {
    fail(
      'insight.secret_file',
      `${path} holds ${secret.length} bytes: the secret needs ${shortestSecretBytes} at least (openssl rand -hex 32)`,
    );
  }
  return secret;
}

interface Slice {
  readonly number: number;
  readonly frequent: SpaceSaving;
  readonly sample: KeySample;
}

/** One namespace's writes by key over the last `windowSeconds`. */
export class KeyWrites {
  readonly #sliceMs: number;
  readonly #idOf: (key: string) => string;
  #slices: Slice[] = [];

  constructor(windowSeconds: number, idOf: (key: string) => string) {
    this.#sliceMs = (windowSeconds * 1000) / slicesPerWindow;
    this.#idOf = idOf;
  }

  /** Counts a write of `key`, at `now` (ms since the epoch). */
  record(key: string, now = Date.now()): void {
    const id = this.#idOf(key);
    const number = Math.floor(now / this.#sliceMs);
    let slice = this.#slices.at(-1);
    if (slice === undefined || slice.number !== number) {
      slice = { number, frequent: new SpaceSaving(frequentCapacity), sample: new KeySample(sliceSampleBound) };
      this.#slices = [...this.#liveSlices(now), slice];
    }
    slice.frequent.offer(id);
    slice.sample.offer(id);
  }

  /** The window's writes as of `now`. */
  summary(now = Date.now()): KeyWritesSummary {
    this.#slices = this.#liveSlices(now);
    return mergeKeyWrites(this.#slices.map((slice) => ({ frequent: slice.frequent.summary(), sample: slice.sample.summary() })));
  }

  #liveSlices(now: number): Slice[] {
    const oldest = Math.floor(now / this.#sliceMs) - slicesPerWindow + 1;
    return this.#slices.filter((slice) => slice.number >= oldest);
  }
}

/** Summaries of writes to disjoint parts of the stream (slices of time, workers) as one. */
export function mergeKeyWrites(summaries: readonly KeyWritesSummary[]): KeyWritesSummary {
  return {
    frequent: mergeFrequent(
      summaries.map((summary) => summary.frequent),
      frequentCapacity,
    ),
    sample: mergeSamples(
      summaries.map((summary) => summary.sample),
      summarySampleBound,
    ),
  };
}
