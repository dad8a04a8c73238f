import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configFrom, loadConfig } from '../../server/src/config/load.js';
import { prepareService } from '../../server/src/start-up.js';

// The configuration files of deploy/examples/, each loaded and validated as kask-ts loads it, and the places other
// files of deploy/ name the same paths.

const deploy = fileURLToPath(new URL('..', import.meta.url));
const examples = join(deploy, 'examples');
const text = (path: string) => readFileSync(join(deploy, path), 'utf8');

/**
 * One of Wikimedia's files, validated: its CA is mounted by the chart at /etc/cassandra-certs/ca.crt, which this
 * machine has not, so a readable file stands in for it (the configuration checks that it can be read).
 */
function wikimediaFile(name: string) {
  const file = parse(text(`examples/${name}`));
  expect(file.cassandra.tls.ca).toBe('/etc/cassandra-certs/ca.crt');
  const config = configFrom(
    { ...file, cassandra: { ...file.cassandra, tls: { ...file.cassandra.tls, ca: join(examples, name) } } },
    examples,
  );
  return { file, config };
}

describe('deploy/examples', () => {
  it("sessionstore.yaml, Wikimedia's file as it is: Cassandra over TLS without host verification, under /sessions/v1/", () => {
    const { file, config } = wikimediaFile('sessionstore.yaml');
    expect(config).toMatchObject({
      storage: 'cassandra',
      service_name: 'sessionstore',
      listen_address: '0.0.0.0',
      listen_port: 8080,
      openapi_spec: 'openapi.yaml',
      cassandra: { local_dc: 'eqiad', keyspace: 'sessions', table: 'values', tls: { enable_host_verification: false } },
      namespaces: [{ name: 'default', base_uri: '/sessions/v1/', default_ttl: 86400, max_ttl: 86400 }],
    });
    expect(config.cassandra.hosts).toEqual(file.cassandra.hosts);
    expect(config.cassandra.hosts).toHaveLength(6);
  });

  it("echostore.yaml: Echo's seen times under /echoseen/v1/, kept a year", () => {
    const { config } = wikimediaFile('echostore.yaml');
    expect(config).toMatchObject({
      storage: 'cassandra',
      service_name: 'echostore',
      cassandra: { keyspace: 'echostore', tls: { enable_host_verification: false } },
      namespaces: [{ base_uri: '/echoseen/v1/', default_ttl: 31536000 }],
    });
  });

  it("embedded.yaml serves what npm start serves without a file, its store in the systemd unit's StateDirectory", () => {
    const service = prepareService(loadConfig(join(examples, 'embedded.yaml')));
    expect(service.namespaces).toEqual({
      default: {
        url: 'http://localhost:8081/sessions/v1/',
        store: 'the main database of the embedded store in /var/lib/kask-ts',
      },
    });
    expect(prepareService(loadConfig(undefined)).namespaces.default?.url).toBe(service.namespaces.default?.url);
    expect(text('kask-ts.service')).toMatch(/^StateDirectory=kask-ts$/m);
    expect(text('kask-ts.service')).toContain('--config /etc/kask-ts/config.yaml');
  });

  it("container.yaml listens on every address of the container, its store in the image's volume", () => {
    const config = loadConfig(join(examples, 'container.yaml'));
    expect(config).toMatchObject({ listen_address: '0.0.0.0', listen_port: 8080, embedded: { path: '/var/lib/kask-ts' } });
    expect(text('Dockerfile')).toContain(`ARG STATE=${config.embedded.path}\n`);
    expect(text('Dockerfile')).toContain(`EXPOSE ${config.listen_port}\n`);
    expect(text('Dockerfile')).toContain('CMD ["./kask", "--config", "/etc/kask/config.yaml"]');
  });
});
