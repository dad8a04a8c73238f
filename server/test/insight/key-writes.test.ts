import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keysByWrites } from '../../src/insight/key-sample.js';
import { KeyWrites, keyHasher, mergeKeyWrites, readInsightSecret } from '../../src/insight/key-writes.js';
import { ConfigError } from '../../src/validation/rules.js';

const secret = Buffer.from('kask-ts insight test secret, 32 bytes or more');
const idOf = keyHasher(secret);
const windowSeconds = 600;
const tenthMs = (windowSeconds * 1000) / 10;

describe('the keyed hash a key is shown as', () => {
  it("is the first 64 bits of HMAC-SHA256 of the key with the secret, as PHP's hash_hmac and openssl compute it", () => {
    // php -r 'echo substr(hash_hmac("sha256", $key, $secret), 0, 16);' and
    // printf %s "$key" | openssl dgst -sha256 -hmac "$secret" both print 788b72e4a5c520b1.
    expect(idOf('my_wiki:MWSession:e28ok0k1hqdkfgfj8cd81ejn3ga8imku')).toBe('788b72e4a5c520b1');
  });

  it('differs with another secret', () => {
    const other = keyHasher(Buffer.from('another secret of 32 bytes or more!!'));
    expect(other('my_wiki:MWSession:e28ok0k1hqdkfgfj8cd81ejn3ga8imku')).not.toBe('788b72e4a5c520b1');
  });
});

describe("insight's secret file", () => {
  const fileHolding = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'kask-secret-')), 'insight.key');
    writeFileSync(path, text);
    return path;
  };

  it('is read without its trailing newlines, as a shell reads it with $(cat file)', () => {
    expect(readInsightSecret(fileHolding(`${secret.toString()}\n\n`))).toEqual(secret);
  });

  it('shorter than 32 bytes is a configuration error naming the key', () => {
    expect(() => readInsightSecret(fileHolding('too short\n'))).toThrow(ConfigError);
    expect(() => readInsightSecret(fileHolding('too short\n'))).toThrow(/^insight\.secret_file: .* holds 9 bytes/);
  });
});

describe("a namespace's key writes over the window", () => {
  const start = 1_000 * tenthMs;

  it('counts each key by its hash: the most written first, and keys by how many times each was written', () => {
    const writes = new KeyWrites(windowSeconds, idOf);
    for (let i = 0; i < 30; i++) writes.record('hot', start + i);
    for (let i = 0; i < 3; i++) writes.record('warm', start + i);
    writes.record('cold', start);
    const { frequent, sample } = writes.summary(start + 100);
    expect(frequent.total).toBe(34);
    expect(frequent.counts).toContainEqual([idOf('hot'), 30]);
    expect(keysByWrites(sample)).toEqual({ '1': 1, '2-5': 1, '6-20': 0, '21+': 1 });
  });

  it('covers the current tenth of the window and the nine before it: older writes are dropped', () => {
    const writes = new KeyWrites(windowSeconds, idOf);
    writes.record('old', start);
    writes.record('recent', start + 9 * tenthMs);
    expect(writes.summary(start + 9 * tenthMs).frequent.total).toBe(2);
    expect(writes.summary(start + 10 * tenthMs).frequent.total).toBe(1);
    expect(writes.summary(start + 10 * tenthMs).frequent.counts).toEqual([[idOf('recent'), 1]]);
    expect(writes.summary(start + 19 * tenthMs).frequent.total).toBe(0);
  });

  it("the workers' summaries merge as one: a key written on two workers counts its writes on both", () => {
    const [first, second] = [new KeyWrites(windowSeconds, idOf), new KeyWrites(windowSeconds, idOf)];
    for (let i = 0; i < 4; i++) first.record('shared', start + i);
    for (let i = 0; i < 3; i++) second.record('shared', start + tenthMs + i);
    second.record('alone', start);
    const merged = mergeKeyWrites([first.summary(start + tenthMs), second.summary(start + tenthMs)]);
    expect(merged.frequent.counts).toContainEqual([idOf('shared'), 7]);
    expect(keysByWrites(merged.sample)).toEqual({ '1': 1, '2-5': 0, '6-20': 1, '21+': 0 });
  });
});
