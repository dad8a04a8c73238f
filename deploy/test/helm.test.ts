import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { workerCountFor } from '../../server/src/cluster/default-workers.js';

// deploy/helm/values-kask-ts.yaml, for Wikimedia's kask chart. No chart or helm here: the configuration file is
// rendered as the chart's templates/_config.yaml renders it (operations-deployment-charts, charts/kask, read at
// commit 6bc4707a8c2e): main_app's base_uri, cassandra (with tls.ca /etc/cassandra-certs/ca.crt added when
// certs.cassandra is set), default_ttl, listen_address, service_name, log_level and openapi_spec, app.port as
// listen_port, and tls only when certs.kask is set.

const values = parse(readFileSync(fileURLToPath(new URL('../helm/values-kask-ts.yaml', import.meta.url)), 'utf8'));
const sessionstore = parse(readFileSync(fileURLToPath(new URL('../examples/sessionstore.yaml', import.meta.url)), 'utf8'));

function renderedConfig(): Record<string, unknown> {
  const app = values.main_app;
  return {
    base_uri: app.base_uri,
    cassandra: app.cassandra,
    default_ttl: app.default_ttl,
    listen_address: app.listen_address,
    listen_port: values.app.port,
    service_name: app.service_name,
    log_level: app.log_level,
    ...(app.openapi_spec === undefined ? {} : { openapi_spec: app.openapi_spec }),
  };
}

describe('deploy/helm/values-kask-ts.yaml', () => {
  it("renders Wikimedia's sessionstore file (deploy/examples/sessionstore.yaml), with no key kask-ts would refuse", () => {
    expect(values.main_app.certs?.kask).toBeUndefined(); // TLS is the Envoy sidecar's
    expect(renderedConfig()).toEqual(sessionstore);
  });

  it("probes, Prometheus and the container's port are the port the service listens on", () => {
    const port = values.app.port;
    expect(values.main_app.port).toBe(port);
    expect(values.main_app.liveness_probe).toEqual({ tcpSocket: { port } });
    expect(values.main_app.readiness_probe).toEqual({ httpGet: { path: '/healthz', port } });
  });

  it("runs the pod's 2 workers from its limits, as production.md's pods are sized (2500m, 400Mi)", () => {
    const { requests, limits } = values.main_app;
    expect(requests).toEqual(limits);
    const cpus = Number.parseInt(limits.cpu, 10) / 1000;
    const memoryBytes = Number.parseInt(limits.memory, 10) * 2 ** 20;
    const workers = workerCountFor(8, {
      cpus: { value: cpus, source: 'cpu.max' },
      memoryBytes: { value: memoryBytes, source: 'memory.max' },
    });
    expect(workers.count).toBe(2);
  });
});
