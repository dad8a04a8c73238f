import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabelledCounter, LabelledHistogram } from '../../src/metrics/labelled-metrics.js';

const buckets = [0.001, 0.01, 0.1, 1];
const labelNames = ['namespace', 'code'] as const;
// Values on, between, below and above the bounds, for two label sets.
const observations: [{ namespace: string; code: string }, number][] = [
  [{ namespace: 'a', code: '200' }, 0],
  [{ namespace: 'a', code: '200' }, 0.001],
  [{ namespace: 'a', code: '200' }, 0.0011],
  [{ namespace: 'a', code: '200' }, 0.5],
  [{ namespace: 'a', code: '200' }, 1],
  [{ namespace: 'a', code: '200' }, 7],
  [{ namespace: 'b', code: '404' }, 0.02],
];

/** The same observations into prom-client's metrics and into ours, each in a registry of its own. */
function recordBoth(): { theirs: Registry; ours: Registry } {
  const theirs = new Registry();
  const histogram = new Histogram({ name: 'd', help: 'h', labelNames, buckets, registers: [theirs] });
  const counter = new Counter({ name: 'c_total', help: 'h', labelNames, registers: [theirs] });
  const ours = new Registry();
  const labelled = new LabelledHistogram({ name: 'd', help: 'h', labelNames, buckets, registry: ours });
  const labelledCounter = new LabelledCounter({ name: 'c_total', help: 'h', labelNames, registry: ours });
  for (const [labels, value] of observations) {
    histogram.labels(labels).observe(value);
    counter.labels(labels).inc();
    labelled.labels(labels).observe(value);
    labelledCounter.labels(labels).inc();
  }
  return { theirs, ours };
}

describe('labelled metrics', () => {
  it('format exactly as prom-client histograms and counters of the same observations', async () => {
    const { theirs, ours } = recordBoth();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('sum across processes exactly as prom-client aggregates its own', async () => {
    const first = recordBoth();
    const second = recordBoth();
    const aggregate = async (registries: Registry[]) =>
      AggregatorRegistry.aggregate(await Promise.all(registries.map((registry) => registry.getMetricsAsJSON()))).metrics();
    expect(await aggregate([first.ours, second.ours])).toBe(await aggregate([first.theirs, second.theirs]));
  });

  it('give the same child for the same labels, and separate children otherwise', () => {
    const metric = new LabelledCounter({ name: 'c_total', help: 'h', labelNames, registry: new Registry() });
    expect(metric.labels({ namespace: 'a', code: '200' })).toBe(metric.labels({ code: '200', namespace: 'a' }));
    expect(metric.labels({ namespace: 'a', code: '200' })).not.toBe(metric.labels({ namespace: 'a', code: '404' }));
  });

  it('print only the declared labels, and record no value that is not a finite number', async () => {
    const registry = new Registry();
    const histogram = new LabelledHistogram({ name: 'd', help: 'h', labelNames, buckets, registry });
    const child = histogram.labels({ namespace: 'a', code: '200', key: 'secret' } as { namespace: string; code: string });
    child.observe(Number.NaN);
    child.observe(Number.POSITIVE_INFINITY);
    child.observe(0.5);
    const text = await registry.metrics();
    expect(text).not.toContain('secret');
    expect(text).toContain('d_sum{namespace="a",code="200"} 0.5');
    expect(text).toContain('d_count{namespace="a",code="200"} 1');
  });
});
