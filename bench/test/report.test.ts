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
    resources: { peakRssBytes: 80 * 2 ** 20, cores: 1, waitingForCpu: 0.25 },
    cpuPerRequestUs: 100,
    instructionsPerRequest: 123_456,
    generatorCores: 0.8,
    storageNodeCores: undefined,
    otherCores: 0.1,
    ...fields,
  };
}

function reportOf(measurements: Measurement[]): BenchReport {
  return { startedAt: 'now', machine: 'test', cores: 2, options, notes: [], measurements };
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
    expect(text).toMatch(/\| kask-ts cassandra \|.*\| 1\.00 \/ 0\.80 \/ — \/ 0\.10 \| 61 \| 123\.5k \|/);
    expect(text).toMatch(/\| Cassandra ceiling \|.*\| — \/ — \/ — \/ — \| 12 \| — \|/);
  });

  it("sums the CPU every process spent per request against a local Cassandra node, the rate the machine's cores allow and the latency that rate implies", () => {
    const text = renderMarkdown(
      reportOf([
        // 4,000 req/s: server 1 core = 250 µs, wrk 0.8 = 200 µs, node 0.6 = 150 µs; 600 µs on 2 cores: 3,333 req/s,
        // so 64 connections wait at least 64 / 3,333 s = 19.2 ms on average.
        row({ target: 'kask-ts cassandra', backend: 'cassandra', perSecond: 4_000, cpuPerRequestUs: 250, storageNodeCores: 0.6 }),
        // 10,000 ops/s: its process 50 µs, the node 1.2 cores = 120 µs; 170 µs on 2 cores: 11,765 ops/s (5.4 ms).
        row({
          target: 'Cassandra ceiling',
          kind: 'storage-ceiling',
          backend: 'cassandra',
          perSecond: 10_000,
          resources: undefined,
          cpuPerRequestUs: 50,
          storageNodeCores: 1.2,
        }),
        row({ target: 'kask-ts embedded', storageNodeCores: 0.05 }),
        row({ target: 'fastify ceiling', kind: 'http-ceiling', backend: undefined, storageNodeCores: 0.05 }),
      ]),
    );
    expect(text).toMatch(/\| kask-ts cassandra \|.*\| 1\.00 \/ 0\.80 \/ 0\.60 \/ 0\.10 \|/);
    const budget = text.slice(text.indexOf('CPU budget'));
    expect(budget).toMatch(
      /\| mix \| 64 \| 1 \| kask-ts cassandra \| 4,000 \| 250 \| 200 \| 150 \| 600 \| 3,333 \| 19\.2 \| 25% \|/,
    );
    expect(budget).toMatch(/\| mix \| 64 \| — \| Cassandra ceiling \| 10,000 \| 50 \| — \| 120 \| 170 \| 11,765 \| 5\.4 \| — \|/);
    expect(budget).not.toContain('kask-ts embedded');
    expect(budget).not.toContain('fastify ceiling');
  });

  it('has no CPU budget when no Cassandra node was measured on this machine', () => {
    const text = renderMarkdown(reportOf([row({ target: 'kask-ts cassandra', backend: 'cassandra' })]));
    expect(text).not.toContain('CPU budget');
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
