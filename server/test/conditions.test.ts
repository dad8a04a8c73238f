import { describe, expect, it } from 'vitest';
import { configFrom } from '../src/config.js';
import { effectiveTtl, requestedTtl } from '../src/routes/conditions.js';
import { backendMaxTtlSeconds } from '../src/storage/limits.js';

describe('Cache-Control max-age', () => {
  it.each([
    'max-age=99999999999',
    `max-age=${'9'.repeat(40)}`,
    `max-age=${'9'.repeat(400)}`,
    `no-cache, max-age=${'1'.repeat(20)}`,
  ])('%s is a TTL, however many digits it has', (header) => {
    expect(requestedTtl(header)).toMatchObject({ ok: true, seconds: expect.any(Number) });
  });

  it.each(['max-age=0', 'max-age=-1', 'max-age=1.5', 'max-age=1e3', 'max-age=', 'max-age=1, max-age=2'])(
    '%s is refused',
    (header) => {
      expect(requestedTtl(header).ok).toBe(false);
    },
  );

  it('a TTL larger than any is clamped to max_ttl (RFC 9111 section 1.2.2), and with max_ttl 0 to what every backend stores', () => {
    const huge = requestedTtl(`max-age=${'9'.repeat(400)}`);
    if (!huge.ok) throw new Error('refused');
    expect(effectiveTtl(configFrom({ max_ttl: 3600 }), huge.seconds)).toBe(3600);
    expect(effectiveTtl(configFrom({ max_ttl: 0 }), huge.seconds)).toBe(backendMaxTtlSeconds);
    expect(effectiveTtl(configFrom({ max_ttl: 0 }), 99999999999)).toBe(backendMaxTtlSeconds);
    expect(effectiveTtl(configFrom({ max_ttl: 0 }), 60)).toBe(60);
  });
});
