import type { NamespaceConfig } from '../../config/namespaces.js';
import type { NamespaceMetrics } from '../../metrics/namespace-metrics.js';
import type { Storage } from '../../storage/storage.js';

/** What one namespace's session route serves from: its configuration, its (instrumented) store and its metrics. */
export interface NamespaceRoute {
  readonly namespace: NamespaceConfig;
  readonly storage: Storage;
  readonly metrics: NamespaceMetrics;
}
