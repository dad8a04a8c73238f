import type { CounterChild, HistogramChild } from './labelled-metrics.js';
import type { Metrics } from './metrics.js';

/** A session request's answer, counted and timed. */
interface RequestChildren {
  readonly count: CounterChild;
  readonly duration: HistogramChild;
}

/**
 * What one namespace's session requests and storage operations update, by namespace: every answer of its session
 * route (whoever writes it: a handler, a hook, the early 413) and every storage operation. A labelled child is
 * found by serializing its labels; here each (code, method) and each operation is looked up once.
 */
export class NamespaceMetrics {
  readonly #metrics: Pick<Metrics, 'requests' | 'requestDuration' | 'storageDuration' | 'storageErrors' | 'storageRefusals'>;
  readonly #namespace: string;
  readonly #backend: string;
  readonly #requests = new Map<string, RequestChildren>();
  readonly #operations = new Map<string, HistogramChild>();
  readonly #writtenValueBytes: HistogramChild;
  readonly #comparedWrites: CounterChild;
  readonly #sameValueWrites: CounterChild;

  constructor(metrics: Metrics, namespace: string, backend: string) {
    this.#metrics = metrics;
    this.#namespace = namespace;
    this.#backend = backend;
    const labels = { namespace };
    this.#writtenValueBytes = metrics.writtenValueBytes.labels(labels);
    this.#comparedWrites = metrics.comparedWrites.labels(labels);
    this.#sameValueWrites = metrics.sameValueWrites.labels(labels);
  }

  /** Counts and times an answer of the namespace's session route. */
  observeRequest(statusCode: number, method: string, seconds: number): void {
    const id = `${statusCode} ${method}`;
    let children = this.#requests.get(id);
    if (children === undefined) {
      const labels = { namespace: this.#namespace, code: String(statusCode), method };
      children = { count: this.#metrics.requests.labels(labels), duration: this.#metrics.requestDuration.labels(labels) };
      this.#requests.set(id, children);
    }
    children.count.inc();
    children.duration.observe(seconds);
  }

  /**
   * Counts a write answered 201 by the size of its value and, when it was compared with the value it replaced
   * (`unchanged` defined), whether that was the same value.
   */
  observeWrite(valueBytes: number, unchanged: boolean | undefined): void {
    this.#writtenValueBytes.observe(valueBytes);
    if (unchanged === undefined) return;
    this.#comparedWrites.inc();
    if (unchanged) this.#sameValueWrites.inc();
  }

  /** Times a storage operation, failures included. */
  observeOperation(operation: string, seconds: number): void {
    let child = this.#operations.get(operation);
    if (child === undefined) {
      child = this.#metrics.storageDuration.labels({ namespace: this.#namespace, backend: this.#backend, operation });
      this.#operations.set(operation, child);
    }
    child.observe(seconds);
  }

  /** Counts a failed storage operation by its kind (unavailable, fault or full). */
  countFailure(operation: string, kind: string): void {
    this.#metrics.storageErrors.inc({ namespace: this.#namespace, backend: this.#backend, operation, kind });
  }

  /** Counts a write refused for want of space or quota, by why (disk_full, map_full, quota_bytes, quota_keys). */
  countRefusal(refusal: string): void {
    this.#metrics.storageRefusals.inc({ namespace: this.#namespace, reason: refusal });
  }
}
