import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { BuildInfo } from '../build-info.js';
import { LabelledCounter, LabelledHistogram } from './labelled-metrics.js';

// Buckets reach past the storage query timeout (Kask's stop at 1 s while its queries may take 12 s).
const durationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

// Powers of 4 from 64 bytes to the default max_value_bytes (1 MiB): MediaWiki's sessions are a few KiB.
const valueSizeBuckets = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];

/** The service's Prometheus metrics. Labels hold namespaces, methods, codes, backends, operations, client identities, limits and TLS error codes: never a key. */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: LabelledCounter<'namespace' | 'code' | 'method'>;
  readonly requestDuration: LabelledHistogram<'namespace' | 'code' | 'method'>;
  readonly storageDuration: LabelledHistogram<'namespace' | 'backend' | 'operation'>;
  readonly storageErrors: Counter<'namespace' | 'backend' | 'operation' | 'kind'>;
  readonly storageRefusals: Counter<'namespace' | 'reason'>;
  readonly writtenValueBytes: LabelledHistogram<'namespace'>;
  readonly comparedWrites: LabelledCounter<'namespace'>;
  readonly sameValueWrites: LabelledCounter<'namespace'>;
  readonly accessDenials: Counter<'client' | 'namespace' | 'code'>;
  readonly rateLimited: Counter<'namespace' | 'client' | 'limit'>;
  readonly tlsHandshakeFailures: Counter<'reason'>;
}

/**
 * How often the event loop's delay is sampled. NOTE: Node.js's monitor records each interval of its timer whole, so
 * `nodejs_eventloop_lag_*` read this much over the delay. Its timer woke an idle server about 200 times a second at
 * prom-client's default of 10 ms, 5 of its 7 ms of CPU a second (at 50 ms: 54 times, 2 ms): a stall of 50 ms or more is seen
 * in every reading it spans, a shorter one in its share of them.
 */
export const eventLoopResolutionMs = 50;

/** Creates the metrics in a registry of their own, with Kask's names for the HTTP ones. */
export function createMetrics(build: BuildInfo): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: eventLoopResolutionMs });
  new Gauge({
    name: 'kask_build_info',
    help: 'Build information; always 1',
    // Every worker reports the same build: summing them would count workers, not builds.
    aggregator: 'first',
    labelNames: ['version', 'build_date', 'build_host', 'git_commit', 'node_version'],
    registers: [registry],
  }).set({ ...build }, 1);
  return {
    registry,
    // Those updated on every session request or write are this module's; the others are prom-client's.
    requests: new LabelledCounter({
      name: 'http_requests_total',
      help: 'Session requests by namespace, status code and method',
      labelNames: ['namespace', 'code', 'method'],
      registry,
    }),
    requestDuration: new LabelledHistogram({
      name: 'http_request_duration_seconds',
      help: 'Session request latency by namespace, status code and method',
      labelNames: ['namespace', 'code', 'method'],
      buckets: durationBuckets,
      registry,
    }),
    storageDuration: new LabelledHistogram({
      name: 'kask_storage_operation_duration_seconds',
      help: 'Storage operation latency by namespace, backend and operation, failures included',
      labelNames: ['namespace', 'backend', 'operation'],
      buckets: durationBuckets,
      registry,
    }),
    storageErrors: new Counter({
      name: 'kask_storage_errors_total',
      help: 'Failed storage operations by namespace, backend, operation and kind (unavailable, fault, or full: refused for want of space or quota)',
      labelNames: ['namespace', 'backend', 'operation', 'kind'],
      registers: [registry],
    }),
    storageRefusals: new Counter({
      name: 'kask_storage_refusals_total',
      help: 'Writes refused (507) for want of space or quota, by namespace and reason (disk_full, map_full, quota_bytes, quota_keys); nothing changed',
      labelNames: ['namespace', 'reason'],
      registers: [registry],
    }),
    writtenValueBytes: new LabelledHistogram({
      name: 'kask_written_value_bytes',
      help: 'Bytes of the values written (POST and PUT answered 201), by namespace',
      labelNames: ['namespace'],
      buckets: valueSizeBuckets,
      registry,
    }),
    comparedWrites: new LabelledCounter({
      name: 'kask_compared_writes_total',
      help: 'Writes (POST and PUT answered 201) compared with the value they replaced, by namespace: every write on the embedded store; on cassandra every conditional write and PUT, and a sample of the other POSTs (insight.compare_rate), each read before it is written',
      labelNames: ['namespace'],
      registry,
    }),
    sameValueWrites: new LabelledCounter({
      name: 'kask_same_value_writes_total',
      help: 'Writes, among kask_compared_writes_total, of the very value the key held (same-value rewrites), by namespace; on cassandra a sample: compare with kask_compared_writes_total',
      labelNames: ['namespace'],
      registry,
    }),
    accessDenials: new Counter({
      name: 'kask_access_denials_total',
      help: 'Requests refused by client (its identity, anonymous or unlisted), namespace (or /metrics, /insight) and status code (401, 403)',
      labelNames: ['client', 'namespace', 'code'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'kask_rate_limited_total',
      help: 'Requests refused with 429 by namespace, client (its identity, anonymous or unlisted) and limit (namespace_reads, namespace_writes, client_reads, client_writes, key_writes)',
      labelNames: ['namespace', 'client', 'limit'],
      registers: [registry],
    }),
    tlsHandshakeFailures: new Counter({
      name: 'kask_tls_handshake_failures_total',
      help: "TLS handshakes that failed, by reason: the client certificate's verification error (UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED, ...), else OpenSSL's or Node.js's error code (ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE, ERR_TLS_HANDSHAKE_TIMEOUT, ECONNRESET when the client closed the connection first, ...)",
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
