import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { effectiveTtl, requestedTtl } from '../../../src/routes/sessions/conditions.js';
import { backendMaxTtlSeconds } from '../../../src/storage/registry.js';

const refusedHeaders = [
  'max-age=0',
  'max-age=-1',
  'max-age=1.5',
  'max-age=1e3',
  'max-age=',
  'max-age',
  'max-age, no-cache',
  'max-age=""',
  'max-age="0"',
  'max-age=1, max-age=2',
  'MAX-AGE=1,max-age=1',
  'private="a", max-age=1, no-cache="b", Max-Age=2',
  'max-age=1 2',
  'private="a,max-age=9',
  'max-age=5, private="open',
  'no-cache="a\\", max-age=5',
];

// RFC 9111 section 5.2 and RFC 9110 section 5.6: directives are separated by commas outside quoted strings,
// their names are case-insensitive, OWS surrounds the commas, empty members are allowed, and an argument may
// be a token or a quoted string (with backslash escapes).
const acceptedHeaders: [string, number | undefined][] = [
  ['', undefined],
  ['no-cache', undefined],
  [' , ,, ', undefined],
  ['max-age=60', 60],
  ['MAX-AGE=60', 60],
  ['Max-Age = 60', 60],
  ['max-age="60"', 60],
  ['max-age=007', 7],
  ['no-store, max-age=60', 60],
  ['no-store,max-age=60,must-revalidate', 60],
  ['\tmax-age=60\t,', 60],
  [',,max-age=60,,', 60],
  ['private="max-age=9"', undefined],
  ['private="a,max-age=9"', undefined],
  ['no-cache="x,max-age=1"', undefined],
  ['no-cache="x, max-age=1, y", max-age=30', 30],
  ['private="a,max-age=9", max-age=30', 30],
  ['max-age=30, private="a,max-age=9"', 30],
  ['ext="a\\"b,max-age=9"', undefined],
  ['ext="a\\\\", max-age=30', 30],
  ['ext="", max-age=30', 30],
  ['max-ages=9, xmax-age=9, max-age-x=9', undefined],
  ['max-agefoo=1, max-age=5', 5],
  ['foo="max-age=1"bar, max-age=5', 5],
];

describe('Cache-Control max-age', () => {
  it.each([
    'max-age=99999999999',
    `max-age=${'9'.repeat(40)}`,
    `max-age=${'9'.repeat(400)}`,
    `no-cache, max-age=${'1'.repeat(20)}`,
  ])('%s is a TTL, however many digits it has', (header) => {
    expect(requestedTtl(header)).toMatchObject({ ok: true, seconds: expect.any(Number) });
  });

  it.each(refusedHeaders)('%s is refused', (header) => {
    expect(requestedTtl(header).ok).toBe(false);
  });

  it.each(acceptedHeaders)('%j asks for %s seconds', (header, seconds) => {
    expect(requestedTtl(header)).toEqual({ ok: true, seconds });
  });

  it('a TTL larger than any is clamped to max_ttl (RFC 9111 section 1.2.2), and with max_ttl 0 to what every backend stores', () => {
    const huge = requestedTtl(`max-age=${'9'.repeat(400)}`);
    if (!huge.ok) throw new Error('refused');
    expect(effectiveTtl({ default_ttl: 60, max_ttl: 3600 }, huge.seconds)).toBe(3600);
    expect(effectiveTtl({ default_ttl: 60, max_ttl: 0 }, huge.seconds)).toBe(backendMaxTtlSeconds);
    expect(effectiveTtl({ default_ttl: 60, max_ttl: 0 }, 99999999999)).toBe(backendMaxTtlSeconds);
    expect(effectiveTtl({ default_ttl: 60, max_ttl: 0 }, 60)).toBe(60);
  });
});

describe("the document's Cache-Control patterns", () => {
  const document = parse(readFileSync(new URL('../../../../openapi/openapi.yaml', import.meta.url), 'utf8'));
  const patternOf = (name: string) => new RegExp(document.components.parameters[name].schema.pattern);
  const optional = patternOf('CacheControl');
  const required = patternOf('CacheControlTtl');
  // Members a header is made of, so that random headers mix quoted strings, commas and max-age in every way.
  const pieces = ['max-age', 'MAX-Age', '=', '60', '0', '"', '\\', ',', ' ', 'private', 'x'];
  const randomHeader = (seed: number) => {
    let state = seed;
    const next = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state;
    };
    return Array.from({ length: next() % 12 }, () => pieces[next() % pieces.length]).join('');
  };
  const headers = [
    ...refusedHeaders,
    ...acceptedHeaders.map(([header]) => header),
    ...Array.from({ length: 5000 }, (_, seed) => randomHeader(seed)),
  ];

  it('POST and PUT: the pattern accepts exactly the headers the server accepts', () => {
    for (const header of headers) expect(optional.test(header), JSON.stringify(header)).toBe(requestedTtl(header).ok);
  });

  it('PATCH: the pattern accepts exactly the headers that give a TTL', () => {
    for (const header of headers) {
      const ttl = requestedTtl(header);
      expect(required.test(header), JSON.stringify(header)).toBe(ttl.ok && ttl.seconds !== undefined);
    }
  });
});
