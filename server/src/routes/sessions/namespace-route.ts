import type { NamespaceConfig } from '../../config/namespaces.js';
import type { KeyWrites } from '../../insight/key-writes.js';
import type { NamespaceMetrics } from '../../metrics/namespace-metrics.js';
import type { Storage } from '../../storage/storage.js';

/**
 * What one namespace's session route serves from: its configuration, its (instrumented) store, its metrics, and
 * what insight follows of its writes.
 */
export interface NamespaceRoute {
  readonly namespace: NamespaceConfig;
  readonly storage: Storage;
  readonly metrics: NamespaceMetrics;
  /** Its writes by key (as keyed hashes); undefined without insight's secret. */
  readonly keyWrites: KeyWrites | undefined;
  /** The fraction of writes asked to compare with the value they replace where that costs a read (`insight.compare_rate`). */
  readonly compareRate: number;
}
