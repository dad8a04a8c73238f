import type { Registry } from 'prom-client';

// prom-client's labelled children validate and hash their labels on every call (about 1 µs each, three per
// session request); these children are made once per label set and add to plain numbers. They are metrics a
// prom-client Registry formats and a cluster's AggregatorRegistry sums like its own (prom-client's `get()`
// shape), with the same output.

/** What prom-client's metrics' `get()` answers, which its registries format and aggregate. */
interface MetricJson {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  readonly values: readonly { metricName?: string; labels: Readonly<Record<string, string | number>>; value: number }[];
}

/** A counter's child for one label set. */
export interface CounterChild {
  inc(): void;
}

/** A histogram's child for one label set. */
export interface HistogramChild {
  observe(value: number): void;
}

/** What the metrics have in common: a name, help, and children found by their labels' values in `labelNames` order. */
abstract class LabelledMetric<LabelName extends string, Child> {
  readonly aggregator = 'sum';
  private readonly children = new Map<string, Child>();

  protected constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly LabelName[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The child of `labels`, the same one on every call with the same values. */
  labels(labels: Readonly<Record<LabelName, string>>): Child {
    const id = JSON.stringify(this.labelNames.map((name) => labels[name]));
    let child = this.children.get(id);
    if (child === undefined) {
      // Only the declared labels: a stray property of the argument never becomes a label.
      child = this.newChild(Object.fromEntries(this.labelNames.map((name) => [name, labels[name]])) as Record<LabelName, string>);
      this.children.set(id, child);
    }
    return child;
  }

  protected abstract newChild(labels: Record<LabelName, string>): Child;

  protected everyChild(): IterableIterator<Child> {
    return this.children.values();
  }
}

class Count<LabelName extends string> implements CounterChild {
  value = 0;
  constructor(readonly labels: Record<LabelName, string>) {}
  inc(): void {
    this.value++;
  }
}

/** A monotonic counter (`http_requests_total`). */
export class LabelledCounter<LabelName extends string> extends LabelledMetric<LabelName, Count<LabelName>> {
  readonly type = 'counter';

  constructor(options: { name: string; help: string; labelNames: readonly LabelName[]; registry: Registry }) {
    super(options.name, options.help, options.labelNames, options.registry);
  }

  protected newChild(labels: Record<LabelName, string>): Count<LabelName> {
    return new Count(labels);
  }

  get(): MetricJson {
    const values = [...this.everyChild()].map(({ labels, value }) => ({ labels, value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

class Distribution<LabelName extends string> implements HistogramChild {
  /** Observations per bucket, not cumulative; the last is above every bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Record<LabelName, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }
  observe(value: number): void {
    // One NaN would make the sum NaN for good, which Prometheus cannot even parse: it is not recorded.
    if (!Number.isFinite(value)) return;
    let bucket = 0;
    while (bucket < this.bounds.length && value > (this.bounds[bucket] as number)) bucket++;
    (this.counts[bucket] as number)++;
    this.sum += value;
    this.count++;
  }
}

/** A histogram of cumulative buckets with upper bounds `buckets` (`le`), and `+Inf`, `_sum` and `_count`. */
export class LabelledHistogram<LabelName extends string> extends LabelledMetric<LabelName, Distribution<LabelName>> {
  readonly type = 'histogram';
  private readonly buckets: readonly number[];

  constructor(options: {
    name: string;
    help: string;
    labelNames: readonly LabelName[];
    buckets: readonly number[];
    registry: Registry;
  }) {
    super(options.name, options.help, options.labelNames, options.registry);
    this.buckets = [...options.buckets].sort((a, b) => a - b);
  }

  protected newChild(labels: Record<LabelName, string>): Distribution<LabelName> {
    return new Distribution(labels, this.buckets);
  }

  get(): MetricJson {
    const values: MetricJson['values'][number][] = [];
    for (const { labels, counts, sum, count } of this.everyChild()) {
      let cumulative = 0;
      this.buckets.forEach((bound, bucket) => {
        cumulative += counts[bucket] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, ...labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: count });
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
