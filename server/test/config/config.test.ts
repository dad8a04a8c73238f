import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestAuthority } from '../../../test-support/certificates.js';
import { portGroups } from '../../src/cluster/port-groups.js';
import { configFrom, loadConfig } from '../../src/config/load.js';
import type { NamespaceConfig } from '../../src/config/namespaces.js';
import { defaultLimits } from '../../src/generated/contract.js';
import { configuredBackend } from '../../src/storage/registry.js';
import { ConfigError } from '../../src/validation/rules.js';

/** A namespace's limits in a file that sets none, as Kask has none. */
const noLimits = { reads: undefined, writes: undefined, key_writes_per_second: undefined, clients: new Map() };

const kaskOpenApi = fileURLToPath(new URL('../fixtures/kask-openapi.yaml', import.meta.url));

// Where Kask's file names its certificates and keys: the configuration checks that each can be read, and that
// the service's own make a TLS context.
const pki = createTestAuthority();
const { cert: serverCert, key: serverKey } = pki.server();
const kaskDirectory = mkdtempSync(join(tmpdir(), 'kask-etc-'));
for (const [name, from] of Object.entries({ 'cert.pem': serverCert, 'key.pem': serverKey, 'ca.pem': pki.caFile })) {
  copyFileSync(from, join(kaskDirectory, name));
}
for (const name of ['client.pem', 'client-key.pem']) writeFileSync(join(kaskDirectory, name), '-----BEGIN CERTIFICATE-----\n');
const pem = join(kaskDirectory, 'cert.pem');
const tlsFiles = { cert: serverCert, key: serverKey };
afterAll(() => pki.remove());

// Every key of Kask's configuration file, as the reference lists them (and enable_host_verification, v1.0.13).
const kaskFile = `
service_name: sessionstore
base_uri: /sessions/v1/
listen_address: 0.0.0.0
listen_port: 8081
default_ttl: 86400
log_level: warning
openapi_spec: ${kaskOpenApi}
tls:
  cert: ${kaskDirectory}/cert.pem
  key: ${kaskDirectory}/key.pem
cassandra:
  hosts: [cassandra-1, cassandra-2]
  port: 9042
  keyspace: sessions
  table: values
  local_dc: eqiad
  query_timeout_ms: 12000
  connect_timeout_ms: 5000
  authentication:
    username: kask
    password: secret
  tls:
    ca: ${kaskDirectory}/ca.pem
    cert: ${kaskDirectory}/client.pem
    key: ${kaskDirectory}/client-key.pem
    enable_host_verification: false
`;

function fileWith(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kask-config-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it("accepts every key of Kask's file with Kask's meaning", () => {
    const config = loadConfig(fileWith(kaskFile));
    expect(config).toMatchObject({
      service_name: 'sessionstore',
      namespaces: [{ name: 'default', base_uri: '/sessions/v1/', table: undefined }],
      listen_address: '0.0.0.0',
      listen_port: 8081,
      log_level: 'warning',
      tls: { cert: `${kaskDirectory}/cert.pem`, key: `${kaskDirectory}/key.pem` },
      storage: 'cassandra',
      cassandra: {
        hosts: ['cassandra-1', 'cassandra-2'],
        keyspace: 'sessions',
        local_dc: 'eqiad',
        authentication: { username: 'kask', password: 'secret' },
        tls: { ca: `${kaskDirectory}/ca.pem`, enable_host_verification: false },
      },
    });
    expect(configuredBackend(config).describe(config.namespaces[0] as NamespaceConfig)).toBe(
      'the Cassandra table "sessions"."values" on cassandra-1, cassandra-2',
    );
  });

  it('cassandra.tls.enable_host_verification defaults to true, as in Kask, and takes only a boolean', () => {
    expect(configFrom({}).cassandra.tls.enable_host_verification).toBe(true);
    expect(() => configFrom({ cassandra: { tls: { enable_host_verification: 'no' } } })).toThrow(
      'cassandra.tls.enable_host_verification: must be true or false',
    );
  });

  it('storage: with no value is not given: a file with a cassandra section selects Cassandra', () => {
    expect(configFrom({ storage: null, cassandra: {} }).storage).toBe('cassandra');
    expect(configFrom({ storage: null }).storage).toBe('embedded');
  });

  it("a Kask file with storage: embedded added selects the embedded store, in ./data beside the file, and keeps Kask's keys", () => {
    const path = fileWith(`${kaskFile}storage: embedded\n`);
    const config = loadConfig(path);
    expect(config.storage).toBe('embedded');
    expect(config.cassandra.keyspace).toBe('sessions');
    expect(configuredBackend(config).describe(config.namespaces[0] as NamespaceConfig)).toBe(
      `the main database of the embedded store in ${join(dirname(path), 'data')}`,
    );
  });

  it("a relative embedded.path leads from the file's directory, whatever the working directory", () => {
    const path = fileWith('embedded: { path: store/sessions }\n');
    expect(process.cwd()).not.toBe(dirname(path));
    expect(loadConfig(path).embedded.path).toBe(join(dirname(path), 'store/sessions'));
    expect(loadConfig(fileWith('embedded: { path: /srv/kask/data }\n')).embedded.path).toBe('/srv/kask/data');
  });

  it.each([
    ['tls.cert', 'missing-cert.pem', { tls: { cert: 'missing-cert.pem', key: pem } }],
    ['tls.client_ca', 'missing-ca.pem', { tls: { cert: pem, key: pem, client_ca: 'missing-ca.pem' } }],
    ['cassandra.tls.ca', 'missing-ca.pem', { cassandra: { tls: { ca: 'missing-ca.pem' } } }],
  ])(
    'a relative %s that cannot be read is refused with its absolute path, from the working directory as in Kask',
    (key, relative, file) => {
      expect(() => configFrom(file)).toThrow(
        `${key}: cannot read ${join(process.cwd(), relative)} (a relative path leads from the working directory, as in Kask)`,
      );
    },
  );

  it('without a file: the embedded store in ./data of the working directory on localhost:8081 under /sessions/v1/, TTL 86400', () => {
    expect(loadConfig(undefined)).toMatchObject({
      storage: 'embedded',
      embedded: { path: join(process.cwd(), 'data') },
      listen_address: 'localhost',
      listen_port: 8081,
      namespaces: [{ base_uri: '/sessions/v1/', default_ttl: 86400 }],
    });
  });

  it('workers must be at least 1', () => {
    expect(() => configFrom({ workers: 0 })).toThrow('workers: must be an integer from 1 to 256');
  });

  it('the default limits are the OpenAPI document’s', () => {
    expect(configFrom({}).namespaces[0]).toMatchObject({
      max_key_bytes: defaultLimits.maxKeyBytes,
      max_value_bytes: defaultLimits.maxValueBytes,
    });
  });

  it('max_key_bytes may be at most what the chosen backend stores: 1978 bytes on the embedded store, 65535 on Cassandra', () => {
    expect(configFrom({ max_key_bytes: 1978 }).namespaces[0]?.max_key_bytes).toBe(1978);
    expect(() => configFrom({ max_key_bytes: 1979 })).toThrow('max_key_bytes: must be at most 1978 on the embedded store');
    expect(() => configFrom({ storage: 'embedded', cassandra: {}, max_key_bytes: 1979 })).toThrow('at most 1978');
    expect(configFrom({ cassandra: {}, max_key_bytes: 65535 }).namespaces[0]?.max_key_bytes).toBe(65535);
    expect(() => configFrom({ cassandra: {}, max_key_bytes: 65536 })).toThrow(
      'max_key_bytes: must be an integer from 1 to 65535',
    );
  });

  it('max_ttl may equal default_ttl, or be 0 (as long as the backend stores) whatever default_ttl is', () => {
    expect(configFrom({ default_ttl: 60, max_ttl: 60 }).namespaces[0]?.max_ttl).toBe(60);
    expect(configFrom({ default_ttl: 0, max_ttl: 0 }).namespaces[0]?.max_ttl).toBe(0);
    expect(configFrom({ default_ttl: 3600, max_ttl: 0 }).namespaces[0]?.max_ttl).toBe(0);
    expect(configFrom({ base_uri: '/healthzz/' }).namespaces[0]?.base_uri).toBe('/healthzz/');
  });

  it('default_ttl and max_ttl may be at most 20 years, the longest TTL Cassandra stores', () => {
    const twentyYears = 630720000;
    expect(configFrom({ default_ttl: twentyYears, max_ttl: twentyYears }).namespaces[0]).toMatchObject({
      default_ttl: twentyYears,
    });
    expect(() => configFrom({ default_ttl: twentyYears + 1 })).toThrow(
      `default_ttl: must be an integer from 0 to ${twentyYears}`,
    );
    expect(() => configFrom({ max_ttl: twentyYears + 1 })).toThrow(`max_ttl: must be an integer from 0 to ${twentyYears}`);
  });

  it.each([
    ['sessions/v1', '/sessions/v1/'],
    ['/echoseen/v1', '/echoseen/v1/'],
  ])('base_uri %s gets a leading and trailing slash: %s', (given, expected) => {
    expect(configFrom({ base_uri: given }).namespaces[0]?.base_uri).toBe(expected);
  });

  it.each([
    [{ listne_port: 1 }, 'listne_port: is not a known configuration key'],
    [{ cassandra: { hots: ['a'] } }, 'cassandra.hots: is not a known configuration key'],
    // An object's own properties are keys; what every object inherits is not.
    [{ toString: 'x' }, 'toString: is not a known configuration key'],
    [{ cassandra: { constructor: 'x' } }, 'cassandra.constructor: is not a known configuration key'],
    [{ default_ttl: -1 }, 'default_ttl: must be an integer from 0'],
    [{ listen_port: 70000 }, 'listen_port: must be an integer from 1 to 65535'],
    [{ listen_port: '8080' }, 'listen_port: must be an integer'],
    [{ log_level: 'verbose' }, 'log_level: must be one of debug, info, warning, error, fatal'],
    [{ tls: { cert: pem } }, 'tls: cert and key must be given together'],
    [
      { cassandra: { authentication: { username: 'u' } } },
      'cassandra.authentication: username and password must be given together',
    ],
    [{ cassandra: { tls: tlsFiles } }, 'cassandra.tls: ca is required when cert and key are set'],
    [{ cassandra: { tls: { ca: pem, key: pem } } }, 'cassandra.tls: cert and key must be given together'],
    [{ tls: { cert: '/nonexistent/c.pem', key: pem } }, 'tls.cert: cannot read /nonexistent/c.pem'],
    [{ cassandra: { tls: { ca: '/nonexistent/ca.pem' } } }, 'cassandra.tls.ca: cannot read /nonexistent/ca.pem'],
    [{ base_uri: '/' }, 'base_uri: must not be /'],
    [{ cassandra: { hosts: [] } }, 'cassandra.hosts: must be a non-empty list'],
    [{ storage: 'redis' }, 'storage: must be one of embedded, cassandra'],
    [{ max_value_bytes: 0 }, 'max_value_bytes: must be an integer from 1'],
    [{ headers_timeout_ms: 5000, request_timeout_ms: 1000 }, 'headers_timeout_ms: must not exceed request_timeout_ms'],
    [{ base_uri: '/a b/' }, 'base_uri: must be a path'],
    [{ base_uri: '/healthz/' }, 'base_uri: must not be under /healthz/: /healthz is an operational route'],
    [{ base_uri: 'metrics/v1' }, 'base_uri: must not be under /metrics/'],
    [{ base_uri: '/readyz/sessions/' }, 'base_uri: must not be under /readyz/'],
    [{ namespaces: { a: { base_uri: '/openapi/a/' } } }, 'namespaces.a.base_uri: must not be under /openapi/'],
    [{ base_uri: '/./healthz/' }, 'base_uri: must not have a . or .. segment'],
    [{ base_uri: 'sessions/../v1' }, 'base_uri: must not have a . or .. segment'],
    [{ namespaces: { a: { base_uri: '/a/./' } } }, 'namespaces.a.base_uri: must not have a . or .. segment'],
    [{ default_ttl: 3600, max_ttl: 60 }, 'max_ttl: must be at least default_ttl (3600), or 0 (got 60)'],
    [{ default_ttl: 0, max_ttl: 60 }, 'max_ttl: must be at least default_ttl (0, never expiring), or 0 (got 60)'],
    [
      { namespaces: { a: { base_uri: '/a/', default_ttl: 600, max_ttl: 300 } } },
      'namespaces.a.max_ttl: must be at least namespaces.a.default_ttl (600), or 0 (got 300)',
    ],
    [
      { max_ttl: 300, namespaces: { a: { base_uri: '/a/', default_ttl: 600 } } },
      'max_ttl: must be at least namespaces.a.default_ttl (600), or 0 (got 300)',
    ],
    [
      { default_ttl: 600, namespaces: { a: { base_uri: '/a/', max_ttl: 300 } } },
      'namespaces.a.max_ttl: must be at least default_ttl (600), or 0 (got 300)',
    ],
    [{ embedded: 'here' }, 'embedded: must be a mapping'],
  ])('%j is refused: "%s"', (file, message) => {
    expect(() => configFrom(file)).toThrow(ConfigError);
    expect(() => configFrom(file)).toThrow(message);
  });

  it('a file that is not YAML is refused with its path', () => {
    const path = fileWith('listen_port: [unclosed');
    expect(() => loadConfig(path)).toThrow(`${path} is not valid YAML`);
  });

  it('a missing file is refused with its path', () => {
    expect(() => loadConfig('/nonexistent/kask.yaml')).toThrow('cannot read /nonexistent/kask.yaml');
  });

  it('a file without the access keys lists no clients, trusts no proxy and asks no client certificate', () => {
    const config = configFrom({ tls: tlsFiles });
    expect(config.tls.client_ca).toBeUndefined();
    expect([config.clients, config.metrics_clients, config.trusted_proxy]).toEqual([undefined, undefined, undefined]);
  });

  it('clients maps identities to namespaces to read, write and delete; tls.client_ca needs tls.cert and tls.key', () => {
    const config = configFrom({
      tls: { ...tlsFiles, client_ca: pki.caFile },
      clients: { 'spiffe://wiki/mw': { default: ['read', 'write', 'delete', 'read'] } },
      metrics_clients: ['prometheus'],
      trusted_proxy: ['127.0.0.1', '::1'],
    });
    expect(config.clients).toEqual({ 'spiffe://wiki/mw': { default: ['read', 'write', 'delete'] } });
    expect(() => configFrom({ tls: { client_ca: pem } })).toThrow(/tls: client_ca needs cert and key/);
  });

  it('client identities are compared as DNS names are, without regard to case (a URI’s path excepted): the file’s are lower-cased once, at load', () => {
    const config = configFrom({
      trusted_proxy: ['127.0.0.1'],
      clients: { 'MediaWiki.SVC': { default: ['read'] }, 'SPIFFE://Wiki/MediaWiki': { default: ['write'] } },
      metrics_clients: ['Prometheus', 'spiffe://Wiki/Prometheus', 'spiffe://wiki/prometheus'],
    });
    expect(config.clients).toEqual({ 'mediawiki.svc': { default: ['read'] }, 'spiffe://wiki/MediaWiki': { default: ['write'] } });
    expect(config.metrics_clients).toEqual(['prometheus', 'spiffe://wiki/Prometheus', 'spiffe://wiki/prometheus']);
  });

  it.each([
    [{ clients: { mw: { default: ['read'] }, MW: { default: ['write'] } } }, /clients: "mw" and "MW" are one client/],
    [
      { clients: { 'spiffe://wiki/mw': { default: ['read'] }, 'SPIFFE://WIKI/mw': { default: ['read'] } } },
      /clients: "spiffe:\/\/wiki\/mw" and "SPIFFE:\/\/WIKI\/mw" are one client/,
    ],
    [{ metrics_clients: ['Prometheus', 'prometheus'] }, /metrics_clients: "Prometheus" and "prometheus" are one client/],
    [{ clients: { Anonymous: { default: ['read'] } } }, /clients: "anonymous" cannot be/],
  ])('%j, two names for one client, or a reserved one in another case, is refused', (file, message) => {
    const refused = () => configFrom({ trusted_proxy: ['127.0.0.1'], ...file });
    expect(refused).toThrow(ConfigError);
    expect(refused).toThrow(message);
  });

  it.each([
    [{ clients: { mw: { default: ['read'] } } }, /clients: needs tls.client_ca or trusted_proxy/],
    [{ metrics_clients: ['prometheus'] }, /metrics_clients: needs tls.client_ca or trusted_proxy/],
    [
      { trusted_proxy: ['127.0.0.1'], clients: { mw: { default: ['admin'] } } },
      /clients.mw.default: must be a list of read, write, delete/,
    ],
    [
      { trusted_proxy: ['127.0.0.1'], clients: { mw: { echoseen: ['read'] } } },
      /clients.mw.echoseen: is not a configured namespace/,
    ],
    [{ trusted_proxy: ['127.0.0.1'], clients: { mw: ['read'] } }, /clients.mw: must be a mapping/],
    [{ trusted_proxy: ['127.0.0.1'], clients: {} }, /clients: must be a non-empty mapping/],
    [{ trusted_proxy: ['127.0.0.1'], clients: { anonymous: { default: ['read'] } } }, /clients: "anonymous" cannot be/],
    [{ trusted_proxy: ['127.0.0.1'], metrics_clients: ['unlisted'] }, /metrics_clients: "unlisted" cannot be/],
    [{ trusted_proxy: ['127.0.0.1'], clients: { '': { default: ['read'] } } }, /clients: "" cannot be/],
    [{ trusted_proxy: ['envoy.local'] }, /trusted_proxy: must list IP addresses/],
  ])('%j is refused, naming the key', (file, message) => {
    expect(() => configFrom(file)).toThrow(ConfigError);
    expect(() => configFrom(file)).toThrow(message);
  });

  it('the configuration is frozen', () => {
    const config = configFrom({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.cassandra)).toBe(true);
  });
});

describe('namespaces', () => {
  const twoNamespaces = {
    default_ttl: 3600,
    max_value_bytes: 4096,
    namespaces: {
      sessions: { base_uri: 'sessions/v1' },
      echoseen: { base_uri: '/echoseen/v1/', default_ttl: 31536000, max_key_bytes: 64, table: 'echo_seen' },
    },
  };

  it('a file without namespaces has one, default, from the top-level keys, stored where Kask stores it', () => {
    const config = configFrom({ base_uri: '/v1/', default_ttl: 60, max_key_bytes: 100, cassandra: { table: 't' } });
    expect(config.namespaces).toEqual([
      {
        name: 'default',
        base_uri: '/v1/',
        table: undefined,
        default_ttl: 60,
        max_ttl: 60,
        max_key_bytes: 100,
        max_value_bytes: defaultLimits.maxValueBytes,
        quota: { maxBytes: undefined, maxKeys: undefined },
        limits: noLimits,
        listen_port: 8080,
        nice: 0,
        apart: false,
      },
    ]);
    const [kasks] = config.namespaces as [NamespaceConfig];
    expect(configuredBackend({ ...config, storage: 'cassandra' }).describe(kasks)).toBe(
      'the Cassandra table "kask"."t" on localhost',
    );
    expect(configuredBackend({ ...config, storage: 'embedded' }).describe(kasks)).toBe(
      `the main database of the embedded store in ${join(process.cwd(), 'data')}`,
    );
  });

  it('each namespace takes the top-level quotas it does not set', () => {
    const config = configFrom({
      max_bytes: 1000,
      namespaces: { sessions: { base_uri: '/s/', max_keys: 5 }, echoseen: { base_uri: '/e/', max_bytes: 200 } },
    });
    expect(config.namespaces.map((namespace) => namespace.quota)).toEqual([
      { maxBytes: 1000, maxKeys: 5 },
      { maxBytes: 200, maxKeys: undefined },
    ]);
  });

  it('a quota on Cassandra is taken as on the embedded store (enforced by its size estimates)', () => {
    const config = configFrom({ cassandra: {}, max_bytes: 5, namespaces: { sessions: { base_uri: '/s/', max_keys: 5 } } });
    expect(config.namespaces.map((namespace) => namespace.quota)).toEqual([{ maxBytes: 5, maxKeys: 5 }]);
  });

  it('each namespace takes the top-level TTLs and limits it does not set, a normalised base_uri, and its name as its table', () => {
    expect(configFrom(twoNamespaces).namespaces).toEqual([
      {
        name: 'sessions',
        base_uri: '/sessions/v1/',
        table: 'sessions',
        default_ttl: 3600,
        max_ttl: 3600,
        max_key_bytes: defaultLimits.maxKeyBytes,
        max_value_bytes: 4096,
        quota: { maxBytes: undefined, maxKeys: undefined },
        limits: noLimits,
        listen_port: 8080,
        nice: 0,
        apart: false,
      },
      {
        name: 'echoseen',
        base_uri: '/echoseen/v1/',
        table: 'echo_seen',
        default_ttl: 31536000,
        max_ttl: 31536000,
        max_key_bytes: 64,
        max_value_bytes: 4096,
        quota: { maxBytes: undefined, maxKeys: undefined },
        limits: noLimits,
        listen_port: 8080,
        nice: 0,
        apart: false,
      },
    ]);
    const [sessions, echoseen] = configFrom(twoNamespaces).namespaces as [NamespaceConfig, NamespaceConfig];
    expect(configuredBackend({ ...configFrom(twoNamespaces), storage: 'embedded' }).describe(sessions)).toBe(
      `the database sessions of the embedded store in ${join(process.cwd(), 'data')}`,
    );
    expect(configuredBackend({ ...configFrom(twoNamespaces), storage: 'cassandra' }).describe(echoseen)).toBe(
      'the Cassandra table "kask"."echo_seen" on localhost',
    );
  });

  it('a namespace answers on its own listen_port when it has one, else the top-level one, at its own niceness', () => {
    const config = configFrom({
      listen_port: 8081,
      namespaces: {
        sessions: { base_uri: '/s/' },
        anonymous: { base_uri: '/a/', listen_port: 8082, nice: 19 },
        bots: { base_uri: '/b/', listen_port: 8082, nice: 19 },
      },
    });
    expect(config.namespaces.map(({ name, listen_port, nice, apart }) => [name, listen_port, nice, apart])).toEqual([
      ['sessions', 8081, 0, false],
      ['anonymous', 8082, 19, true],
      ['bots', 8082, 19, true],
    ]);
    expect(
      portGroups(config.namespaces).map(({ port, nice, namespaces }) => [port, nice, namespaces.map(({ name }) => name)]),
    ).toEqual([
      [8081, 0, ['sessions']],
      [8082, 19, ['anonymous', 'bots']],
    ]);
  });

  it("a namespace's max_ttl is its own, else the top-level max_ttl the file sets, else its default_ttl", () => {
    const namespaces = (file: Record<string, unknown>) =>
      configFrom(file).namespaces.map((namespace) => [namespace.name, namespace.max_ttl]);
    const declared = { a: { base_uri: '/a/', default_ttl: 10 }, b: { base_uri: '/b/', default_ttl: 10, max_ttl: 20 } };
    expect(namespaces({ namespaces: declared })).toEqual([
      ['a', 10],
      ['b', 20],
    ]);
    expect(namespaces({ max_ttl: 0, namespaces: declared })).toEqual([
      ['a', 0],
      ['b', 20],
    ]);
  });

  it.each([
    [{ base_uri: '/v1/', namespaces: { a: { base_uri: '/a/' } } }, 'base_uri: must not be given with namespaces'],
    [{ namespaces: {} }, 'namespaces: must be a mapping of at least one name'],
    [{ namespaces: { a: {} } }, 'namespaces.a.base_uri: is required'],
    [{ namespaces: { Sessions: { base_uri: '/s/' } } }, 'namespaces.Sessions: must be a lower-case letter'],
    [{ namespaces: { 'a-b': { base_uri: '/s/' } } }, 'namespaces.a-b: must be a lower-case letter'],
    [{ namespaces: { a: { base_uri: '/a/', table: 'x"y' } } }, 'namespaces.a.table: must be a lower-case letter'],
    [{ namespaces: { a: { base_uri: '/a/', colour: 'red' } } }, 'namespaces.a.colour: is not a known configuration key'],
    [{ namespaces: { a: { base_uri: '/' } } }, 'namespaces.a.base_uri: must not be /'],
    [{ namespaces: { a: { base_uri: '/a/', max_key_bytes: 1979 } } }, 'namespaces.a.max_key_bytes: must be at most 1978'],
    [{ max_key_bytes: 1979, namespaces: { a: { base_uri: '/a/' } } }, 'max_key_bytes: must be at most 1978'],
    [{ namespaces: { a: { base_uri: '/a/', default_ttl: -1 } } }, 'namespaces.a.default_ttl: must be an integer from 0'],
    [
      { namespaces: { a: { base_uri: '/a/', table: 'shared' }, b: { base_uri: '/b/', table: 'shared' } } },
      'namespaces: a and b must not share the table shared',
    ],
    [
      {
        listen_port: 8081,
        namespaces: { a: { base_uri: '/a/', listen_port: 8082, nice: 19 }, b: { base_uri: '/b/', listen_port: 8082 } },
      },
      "namespaces.b.nice: must be 19, as a's: both are served on port 8082, by the same processes (got 0)",
    ],
    [
      { listen_port: 8081, namespaces: { a: { base_uri: '/a/', nice: 10 }, b: { base_uri: '/b/', listen_port: 8081 } } },
      "namespaces.b.nice: must be 10, as a's: both are served on port 8081",
    ],
    [{ namespaces: { a: { base_uri: '/a/', nice: 20 } } }, 'namespaces.a.nice: must be an integer from 0 to 19'],
    [{ namespaces: { a: { base_uri: '/a/', nice: -1 } } }, 'namespaces.a.nice: must be an integer from 0 to 19'],
    [{ namespaces: { a: { base_uri: '/a/', listen_port: 0 } } }, 'namespaces.a.listen_port: must be an integer from 1 to 65535'],
  ])('%j is refused: "%s"', (file, message) => {
    expect(() => configFrom(file)).toThrow(ConfigError);
    expect(() => configFrom(file)).toThrow(message);
  });

  it.each([
    ['/sessions/v1/', 'sessions/v1'],
    ['/sessions/', '/sessions/v1/'],
    ['/sessions/v1/', '/sessions/v1/anon/'],
  ])('base URIs %s and %s overlap: a configuration error naming both namespaces', (first, second) => {
    const file = { namespaces: { logged_in: { base_uri: first }, anonymous: { base_uri: second } } };
    expect(() => configFrom(file)).toThrow(/namespaces: logged_in \(.*\) and anonymous \(.*\) overlap/);
  });

  it('base URIs that share only a beginning of a segment do not overlap', () => {
    const file = { namespaces: { sessions: { base_uri: '/sessions/' }, sessions2: { base_uri: '/sessions2/' } } };
    expect(configFrom(file).namespaces.map((namespace) => namespace.base_uri)).toEqual(['/sessions/', '/sessions2/']);
  });
});

describe('rate limits', () => {
  const listed = {
    trusted_proxy: ['127.0.0.1'],
    clients: { 'spiffe://wiki/mw': { default: ['read', 'write'] }, echo: { default: ['write'] } },
  };

  it("the top-level limits are Kask's single namespace's; a burst is a second's worth unless given", () => {
    const [namespace] = configFrom({
      ...listed,
      limits: {
        reads: { per_second: 2000, burst: 4000 },
        writes: { per_second: 600 },
        key_writes_per_second: 1,
        clients: { 'SPIFFE://WIKI/mw': { writes: { per_second: 300, burst: 50 } } },
      },
    }).namespaces as [NamespaceConfig];
    expect(namespace.limits).toEqual({
      reads: { per_second: 2000, burst: 4000 },
      writes: { per_second: 600, burst: 600 },
      key_writes_per_second: 1,
      // Identities are put in the form they are compared in, as in clients.
      clients: new Map([['spiffe://wiki/mw', { reads: undefined, writes: { per_second: 300, burst: 50 } }]]),
    });
  });

  it('each namespace takes the top-level limits it does not set, key by key, each with buckets of its own', () => {
    const namespaces = configFrom({
      limits: { writes: { per_second: 600 }, key_writes_per_second: 2 },
      namespaces: {
        sessions: { base_uri: '/sessions/v1/' },
        anon_sessions: { base_uri: '/anon-sessions/v1/', limits: { writes: { per_second: 300, burst: 600 } } },
      },
    }).namespaces;
    expect(
      namespaces.map((namespace) => [namespace.name, namespace.limits.writes, namespace.limits.key_writes_per_second]),
    ).toEqual([
      ['sessions', { per_second: 600, burst: 600 }, 2],
      ['anon_sessions', { per_second: 300, burst: 600 }, 2],
    ]);
  });

  it.each([
    [{ limits: { reads: { burst: 10 } } }, /limits.reads: needs per_second/],
    [{ limits: { writes: {} } }, /limits.writes: needs per_second/],
    [
      { namespaces: { a: { base_uri: '/a/', limits: { clients: { x: { reads: {} } } } } } },
      /namespaces.a.limits.clients.x.reads: needs per_second/,
    ],
    [{ limits: { writes: { per_second: 0 } } }, /limits.writes.per_second: must be an integer from 1/],
    [{ limits: { writes: { per_second: 1.5 } } }, /limits.writes.per_second: must be an integer from 1/],
    [{ limits: { key_writes_per_second: 0 } }, /limits.key_writes_per_second: must be an integer from 1/],
    [{ limits: { reads: { rate: 10 } } }, /limits.reads.rate: is not a known configuration key/],
    [{ limits: { clients: { echo: { writes: { per_second: 1 } } } } }, /limits.clients: needs clients/],
    [
      { ...listed, limits: { clients: { stranger: { reads: { per_second: 1 } } } } },
      /limits.clients.stranger: is not a client listed in clients/,
    ],
    [
      { ...listed, limits: { clients: { echo: { reads: { per_second: 1 } }, ECHO: { reads: { per_second: 2 } } } } },
      /limits.clients: "echo" and "ECHO" are one client/,
    ],
    [
      {
        ...listed,
        clients: { echo: { echoseen: ['write'] } },
        namespaces: { echoseen: { base_uri: '/echoseen/v1/', limits: { clients: { mw: { writes: { per_second: 1 } } } } } },
      },
      /namespaces.echoseen.limits.clients.mw: is not a client listed in clients/,
    ],
  ])('%j is refused, naming the key', (file, message) => {
    expect(() => configFrom(file)).toThrow(ConfigError);
    expect(() => configFrom(file)).toThrow(message);
  });
});
