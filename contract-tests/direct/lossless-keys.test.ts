import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { send } from '../harness/http.js';
import { target } from '../harness/target.js';

const maxKeyBytes = Number(process.env.KASK_MAX_KEY_BYTES ?? 1024);
// A failure names its seed: KASK_PROPERTY_SEED=<seed> replays the same keys.
const seed = Number(process.env.KASK_PROPERTY_SEED ?? Date.now() % 2 ** 31);
const generatedKeys = 300;

/** mulberry32: a small seeded PRNG, so that a failing run can be replayed. */
function randomFrom(start: number): () => number {
  let state = start;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** Byte sequences suspected of being conflated with others: each row's keys must all be distinct keys. */
const suspects: Buffer[] = [
  utf8('\uFEFFbom'),
  utf8('bom'),
  utf8('\x01'),
  utf8('\x1b\x01'),
  utf8('\x04\x01'),
  utf8(`\x01${'a'.repeat(62)}`),
  utf8(`\x04\x01${'a'.repeat(62)}`),
  utf8('\x00'),
  utf8('a\x00'),
  utf8('a'),
  utf8('+'),
  utf8(' '),
  utf8('.'),
  utf8('..'),
  utf8('%41'),
  utf8('A'),
  utf8('e\u0301'),
  utf8('é'),
  utf8(`\x01${'k'.repeat(maxKeyBytes - 1)}`),
  utf8(`\x01${'k'.repeat(maxKeyBytes)}`),
];

/** One piece of a key: an ASCII byte (controls included), a character's UTF-8, or bytes that are not UTF-8. */
function piece(random: () => number): Buffer {
  const pick = (n: number) => Math.floor(random() * n);
  const codePoint = (low: number, high: number) => low + pick(high - low + 1);
  switch (pick(8)) {
    case 0:
      return Buffer.from([pick(0x20)]);
    case 1:
    case 2:
      return Buffer.from([0x20 + pick(0x60)]);
    case 3:
      return utf8(String.fromCodePoint(codePoint(0x80, 0x7ff)));
    case 4: {
      const cp = codePoint(0x800, 0xffff);
      return utf8(String.fromCodePoint(cp >= 0xd800 && cp <= 0xdfff ? 0xfeff : cp));
    }
    case 5:
      return utf8(String.fromCodePoint(codePoint(0x10000, 0x10ffff)));
    case 6:
      return utf8(['\uFEFF', '\uFFFE', '\uFFFF', '\u0085', '\u2028', '\x7f'][pick(6)] as string);
    default:
      // A lone continuation or lead byte, a UTF-16 surrogate (ED A0 80), an overlong '/' (C0 AF).
      return [Buffer.from([0x80 + pick(0x80)]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf])][pick(3)] as Buffer;
  }
}

function generatedKey(random: () => number): Buffer {
  const pieces = Array.from({ length: 1 + Math.floor(random() * 12) }, () => piece(random));
  return Buffer.concat(pieces);
}

const unreserved = /^[A-Za-z0-9._~-]$/;

/** The key as a request path: each byte percent-encoded (hex of either case), unreserved ones at times left as they are. */
function pathOf(key: Buffer, random: () => number): string {
  let segment = '';
  for (const byte of key) {
    const char = String.fromCharCode(byte);
    if (unreserved.test(char) && random() < 0.5) segment += char;
    else {
      const hex = byte.toString(16).padStart(2, '0');
      segment += `%${random() < 0.5 ? hex.toUpperCase() : hex}`;
    }
  }
  return `${target.basePath}${segment}`;
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** What the server must answer for a key: 400 when it is not UTF-8, 404 when it holds a `/`, 400 when too long, else 201. */
function expectedStatus(key: Buffer): 201 | 400 | 404 {
  if (!isUtf8(key)) return 400;
  if (key.includes(0x2f)) return 404;
  return key.length > maxKeyBytes ? 400 : 201;
}

// Sent directly: Prism's proxy resolves dot segments (`.`, `%2E.`) and rewrites some percent-encodings before
// forwarding, so through it the server would be asked for other keys than these.
describe('session keys are lossless', () => {
  it(`every key a URL can carry is stored under exactly its bytes, or refused: ${generatedKeys} random keys (seed ${seed})`, async () => {
    const random = randomFrom(seed);
    const byBytes = new Map<string, Buffer>();
    for (const key of [...suspects, ...Array.from({ length: generatedKeys }, () => generatedKey(random))]) {
      byBytes.set(key.toString('hex'), key);
    }
    const keys = [...byBytes.values()].map((key, i) => ({ key, path: pathOf(key, random), value: `${randomUUID()}:${i}` }));
    const outcomes: string[] = [];
    const run = async (work: (entry: (typeof keys)[number]) => Promise<string | undefined>) => {
      const queue = [...keys];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
            const wrong = await work(entry);
            if (wrong !== undefined) outcomes.push(`${entry.key.toString('hex')} (${entry.path}): ${wrong}`);
          }
        }),
      );
    };
    await run(async ({ key, path, value }) => {
      const status = (await send('POST', path, { body: value })).status;
      return status === expectedStatus(key) ? undefined : `POST answered ${status}, not ${expectedStatus(key)}`;
    });
    // Every key read back after all were written: two keys sharing a record would read the other's value.
    await run(async ({ key, path, value }) => {
      const read = await send('GET', path);
      const expected = expectedStatus(key) === 201 ? 200 : expectedStatus(key);
      if (read.status !== expected) return `GET answered ${read.status}, not ${expected}`;
      if (expected === 200 && read.body.toString() !== value) return `GET answered ${read.body.toString()}, not ${value}`;
      return undefined;
    });
    expect(outcomes, `seed ${seed}`).toEqual([]);
  });
});
