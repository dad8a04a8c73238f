import { describe, expect, it } from 'vitest';
import {
  operationOf,
  p99BySecond,
  parseVegetaResults,
  percentiles,
  productionTargets,
  summarise,
  type VegetaResult,
  wikimediaMix,
} from '../src/open-model.js';
import { sessionKey, sessionValue } from '../src/workloads.js';

const route = 'http://127.0.0.1:8080/sessions/v1/';

describe('the production targets', () => {
  const keys = 2000;
  const targets = productionTargets(wikimediaMix, keys, route);

  it("send Wikimedia's mix in whole seconds: 1,700 GET hits, 100 misses, 550 POSTs and 25 DELETEs each", () => {
    const seconds = targets.length / 2375;
    expect(Number.isInteger(seconds)).toBe(true);
    const byOperation = { 'GET hit': 0, 'GET miss': 0, POST: 0, DELETE: 0 };
    for (const target of targets) byOperation[operationOf(target)]++;
    expect(byOperation).toEqual({
      'GET hit': 1700 * seconds,
      'GET miss': 100 * seconds,
      POST: 550 * seconds,
      DELETE: 25 * seconds,
    });
  });

  it('read until every stored key could have been read, and only stored keys for hits', () => {
    const hits = targets.filter((target) => operationOf(target) === 'GET hit');
    expect(hits.length).toBeGreaterThanOrEqual(keys);
    const stored = new Set(Array.from({ length: keys }, (_, i) => `${route}${sessionKey(i, 32)}`));
    expect(hits.every((target) => stored.has(target.url))).toBe(true);
  });

  it('miss on keys never stored nor written', () => {
    const written = new Set(targets.filter((target) => target.method === 'POST').map((target) => target.url));
    const misses = targets.filter((target) => operationOf(target) === 'GET miss');
    expect(misses.some((target) => written.has(target.url))).toBe(false);
  });

  it('write 2 KiB bodies, and delete keys of their own that a POST of the second before wrote', () => {
    const posts = targets.filter((target) => target.method === 'POST');
    expect(posts.every((target) => Buffer.from(target.body ?? '', 'base64').equals(sessionValue(2048)))).toBe(true);
    const deletes = targets.filter((target) => target.method === 'DELETE');
    const firstPost = new Map<string, number>();
    targets.forEach((target, index) => {
      if (target.method === 'POST' && !firstPost.has(target.url)) firstPost.set(target.url, index);
    });
    // After the first second, every DELETE names a key written earlier in the stream, and never a stored key.
    const later = deletes.filter((target) => targets.indexOf(target) >= 2375);
    expect(later.every((target) => (firstPost.get(target.url) ?? Infinity) < targets.indexOf(target))).toBe(true);
    expect(deletes.every((target) => target.url.startsWith(`${route}d`))).toBe(true);
  });

  it('are the same on every run (rounds and targets compare)', () => {
    expect(productionTargets(wikimediaMix, 500, route)).toEqual(productionTargets(wikimediaMix, 500, route));
  });
});

function result(method: string, key: string, code: number, latencyMs: number, atMs = 0): VegetaResult {
  return {
    method,
    url: `${route}${key}`,
    code,
    latency: latencyMs * 1e6,
    timestamp: new Date(Date.UTC(2026, 0, 1) + atMs).toISOString(),
    error: code === 0 ? 'connection refused' : '',
  };
}

describe('the report of a run', () => {
  it('parses what vegeta encode --to json prints', () => {
    const line =
      '{"attack":"","seq":0,"code":404,"timestamp":"2026-12-07T12:04:12.487194544Z","latency":2281829,"bytes_out":0,' +
      '"bytes_in":0,"error":"404 Not Found","body":null,"method":"GET","url":"http://h/v1/m1","headers":null}\n';
    expect(parseVegetaResults(`${line}${line}`)).toEqual([
      {
        method: 'GET',
        url: 'http://h/v1/m1',
        code: 404,
        latency: 2281829,
        timestamp: '2026-12-07T12:04:12.487194544Z',
        error: '404 Not Found',
      },
      expect.anything(),
    ]);
  });

  it('takes nearest-rank percentiles in milliseconds', () => {
    const latencies = Array.from({ length: 1000 }, (_, i) => (i + 1) * 1e6);
    expect(percentiles(latencies)).toEqual({ p50: 500, p90: 900, p99: 990, p999: 999, max: 1000 });
    expect(percentiles([])).toEqual({ p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });

  it('splits by operation and counts what each should not have answered', () => {
    const summary = summarise([
      result('GET', 'k01', 200, 1),
      result('GET', 'k02', 404, 2),
      result('GET', 'm01', 404, 3),
      result('POST', 'k01', 201, 4),
      result('DELETE', 'd01', 204, 5),
      result('DELETE', 'd02', 0, 5000),
    ]);
    expect(summary.map((entry) => [entry.operation, entry.requests, entry.unexpected])).toEqual([
      ['all', 6, { '404': 1, '0': 1 }],
      ['GET hit', 2, { '404': 1 }],
      ['GET miss', 1, {}],
      ['POST', 1, {}],
      ['DELETE', 2, { '0': 1 }],
    ]);
    expect(summary[0]?.firstError).toBe('connection refused');
    expect(summary[0]?.latencyMs.max).toBe(5000);
  });

  it('gives the p99 of each second from the first request sent', () => {
    expect(
      p99BySecond([result('GET', 'k1', 200, 7, 0), result('GET', 'k1', 200, 1, 999), result('GET', 'k1', 200, 3, 1000)]),
    ).toEqual([7, 3]);
  });
});
