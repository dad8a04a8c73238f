import { describe, expect, it } from 'vitest';
import { type BenchOptions, parseOptions } from '../src/options.js';
import { renderMarkdown, smokeProblems } from '../src/report.js';
import type { BenchReport, Measurement } from '../src/run.js';

const parsed = parseOptions(['--workloads', 'mix', '--connections', '64'], {});
const options = parsed as BenchOptions;

function row(fields: Partial<Measurement>): Measurement {
  return {
    workers: 1,
    workload: 'mix',
    connections: 64,
    target: 'kask-ts embedded',
    kind: 'server',
    backend: 'embedded',
    total: 10_000,
    perSecond: 10_000,
    latencyMs: { p50: 1, p99: 5, p999: 9 },
    unexpected: {},
    statuses: { '200': 9_900, '201': 100 },
    resources: { peakRssBytes: 80 * 2 ** 20, cores: 1 },
    cpuPerRequestUs: 100,
    instructionsPerRequest: 123_456,
    generatorCores: 0.8,
    otherCores: 0.1,
    ...fields,
  };
}

function reportOf(measurements: Measurement[]): BenchReport {
  return { startedAt: 'now', machine: 'test', options, notes: [], measurements };
}

describe('the report', () => {
  it('gives a server its ratio to the HTTP and storage ceilings of the same workload and connections', () => {
    const text = renderMarkdown(
      reportOf([
        row({ target: 'fastify ceiling', kind: 'http-ceiling', backend: undefined, perSecond: 20_000 }),
        row({ perSecond: 10_000 }),
        row({ target: 'LMDB ceiling', kind: 'storage-ceiling', perSecond: 40_000, resources: undefined }),
      ]),
    );
    expect(text).toMatch(/\| kask-ts embedded \| 10,000 \|.*\| 0\.50× \| 0\.25× \|/);
  });

  it("shows each row's CPU and instructions per request: the server's processes, or the storage ceiling's process", () => {
    const text = renderMarkdown(
      reportOf([
        row({ target: 'kask-ts cassandra', backend: 'cassandra', cpuPerRequestUs: 61.4 }),
        row({
          target: 'Cassandra ceiling',
          kind: 'storage-ceiling',
          backend: 'cassandra',
          resources: undefined,
          cpuPerRequestUs: 12.2,
          instructionsPerRequest: undefined,
        }),
      ]),
    );
    expect(text).toMatch(/\| kask-ts cassandra \|.*\| 1\.00 \/ 0\.80 \/ 0\.10 \| 61 \| 123\.5k \|/);
    expect(text).toMatch(/\| Cassandra ceiling \|.*\| — \| 12 \| — \|/);
  });

  it('flags a run full of 404s instead of presenting it as speed', () => {
    const misses = row({ statuses: { '404': 10_000 }, unexpected: { '404': 10_000 } });
    const text = renderMarkdown(reportOf([misses]));
    expect(text).toContain('⚠ 404: 10,000 (100.0%)');
    expect(text).toContain('is not a measure of serving sessions');
    expect(smokeProblems(reportOf([misses]))).toEqual([
      'kask-ts embedded (mix, 64 connections): ⚠ 404: 10,000 (100.0%)',
      'kask-ts embedded (mix, 64 connections): no read answered 200',
      'kask-ts embedded (mix, 64 connections): no write answered 201',
    ]);
  });

  it('reports a target that failed to start in the notes', () => {
    const text = renderMarkdown(reportOf([row({ failure: 'kask-ts exited (2) during start-up', total: 0, perSecond: 0 })]));
    expect(text).toContain('| kask-ts embedded | failed: see the notes |');
    expect(text).toContain('- kask-ts embedded (mix, 64): kask-ts exited (2) during start-up');
  });
});
