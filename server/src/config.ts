import { accessSync, constants, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse } from 'yaml';
import { defaultWorkers } from './cluster/default-workers.js';
import { defaultLimits } from './generated/contract.js';
import { openApiDocument } from './openapi-document.js';
import { backendMaxKeyBytes, backendMaxTtlSeconds } from './storage/limits.js';

// The one description of the configuration: every key, its default and its validation. The keys and
// their meaning are Kask's (so an operator can swap binaries with the same file), plus ours; the
// resulting object keeps the file's snake_case names so that operators and code speak of the same keys.

/** A configuration file that cannot be used; the message names the key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface Rule<T> {
  readonly description: string;
  /** Shown in documentation; `undefined` for optional keys without a default. */
  readonly default: T;
  parse(value: unknown, key: string): T;
}

type Shape = Record<string, Rule<unknown>>;
type Parsed<S extends Shape> = { readonly [K in keyof S]: ReturnType<S[K]['parse']> };
type Check<T> = (value: T, key: string) => void;

function fail(key: string, message: string): never {
  throw new ConfigError(`${key}: ${message}`);
}

function string(description: string, defaultValue: string, check?: Check<string>): Rule<string> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (typeof value !== 'string' || value === '') fail(key, 'must be a non-empty string');
      check?.(value, key);
      return value;
    },
  };
}

function optionalString(description: string, check?: Check<string>): Rule<string | undefined> {
  return {
    description,
    default: undefined,
    parse(value, key) {
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string' || value === '') fail(key, 'must be a non-empty string');
      check?.(value, key);
      return value;
    },
  };
}

/** A file the service reads at start-up (certificates, keys): unreadable is a configuration error naming the key, not a crash later. */
function readableFile(path: string, key: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    fail(key, `cannot read ${path}: ${(error as Error).message}`);
  }
}

function integer(description: string, defaultValue: number, min: number, max = Number.MAX_SAFE_INTEGER): Rule<number> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        fail(key, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
      }
      return value;
    },
  };
}

function optionalInteger(description: string, min: number, max = Number.MAX_SAFE_INTEGER): Rule<number | undefined> {
  const rule = integer(description, 0, min, max);
  return {
    description,
    default: undefined,
    parse: (value, key) => (value === undefined || value === null ? undefined : rule.parse(value, key)),
  };
}

function boolean(description: string, defaultValue: boolean): Rule<boolean> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (typeof value !== 'boolean') fail(key, `must be true or false (got ${JSON.stringify(value)})`);
      return value;
    },
  };
}

function oneOf<const T extends string>(description: string, choices: readonly T[], defaultValue: T): Rule<T> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (!choices.includes(value as T)) fail(key, `must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`);
      return value as T;
    },
  };
}

function stringList<D extends readonly string[] | undefined>(
  description: string,
  defaultValue: D,
  check?: Check<string>,
): Rule<readonly string[] | D> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '')) {
        fail(key, 'must be a non-empty list of non-empty strings');
      }
      for (const item of value) check?.(item, key);
      return Object.freeze([...value]);
    },
  };
}

function ipAddress(value: string, key: string): void {
  if (isIP(value) === 0) fail(key, `must list IP addresses (got ${JSON.stringify(value)})`);
}

/** What a listed client may do in a namespace. */
export const permissionNames = ['read', 'write', 'delete'] as const;
export type Permission = (typeof permissionNames)[number];

/** Client identity -> namespace name -> permissions; the namespace names are checked against the configured ones later. */
export type ClientPermissions = Readonly<Record<string, Readonly<Record<string, readonly Permission[]>>>>;

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clientPermissions(description: string): Rule<ClientPermissions | undefined> {
  return {
    description,
    default: undefined,
    parse(value, key) {
      if (value === undefined || value === null) return undefined;
      if (!isMapping(value) || Object.keys(value).length === 0) fail(key, 'must be a non-empty mapping of client identities');
      const clients: Record<string, Readonly<Record<string, readonly Permission[]>>> = {};
      for (const [identity, namespaces] of Object.entries(value)) {
        if (!isMapping(namespaces)) fail(`${key}.${identity}`, 'must be a mapping of namespace names to permissions');
        const granted: Record<string, readonly Permission[]> = {};
        for (const [namespace, permissions] of Object.entries(namespaces)) {
          const at = `${key}.${identity}.${namespace}`;
          if (!Array.isArray(permissions) || !permissions.every((p) => permissionNames.includes(p))) {
            fail(at, `must be a list of ${permissionNames.join(', ')} (got ${JSON.stringify(permissions)})`);
          }
          granted[namespace] = Object.freeze([...new Set(permissions as Permission[])]);
        }
        clients[identity] = Object.freeze(granted);
      }
      return Object.freeze(clients);
    },
  };
}

/** Both keys or neither, as Kask requires of certificate/key and username/password pairs. */
function bothOrNeither<T extends object>(a: keyof T & string, b: keyof T & string): Check<T> {
  return (value, key) => {
    if ((value[a] === undefined) !== (value[b] === undefined)) fail(key, `${a} and ${b} must be given together`);
  };
}

function section<S extends Shape>(description: string, shape: S, check?: Check<Parsed<S>>): Rule<Parsed<S>> & { shape: S } {
  return {
    description,
    shape,
    get default() {
      return this.parse(undefined, '');
    },
    parse(value, key) {
      if (value === null || value === undefined) value = {};
      if (typeof value !== 'object' || Array.isArray(value)) fail(key, 'must be a mapping');
      const input = value as Record<string, unknown>;
      const prefix = key === '' ? '' : `${key}.`;
      for (const name of Object.keys(input)) {
        if (!(name in shape)) fail(`${prefix}${name}`, 'is not a known configuration key');
      }
      const result: Record<string, unknown> = {};
      for (const [name, rule] of Object.entries(shape)) result[name] = rule.parse(input[name], `${prefix}${name}`);
      const parsed = Object.freeze(result) as Parsed<S>;
      check?.(parsed, key === '' ? '(top level)' : key);
      return parsed;
    },
  };
}

function baseUri(value: string, key: string): void {
  if (!/^\/?([A-Za-z0-9._~!$&'()*+,;=:@-]+\/?)*$/.test(value)) fail(key, 'must be a path of unreserved characters');
  // NOTE: under / a key named healthz, readyz, metrics or openapi would be an operational route instead.
  if (/^\/*$/.test(value)) fail(key, 'must not be /: the session route would take /healthz, /readyz, /metrics and /openapi');
}

const schema = section('kask-ts configuration', {
  service_name: string('`appname` in logs', 'kask'),
  base_uri: string('Path prefix of the session route; a leading and trailing / are added', '/v1/', baseUri),
  listen_address: string('Address to listen on', 'localhost'),
  listen_port: integer('Port to listen on', 8080, 1, 65535),
  default_ttl: integer('Seconds a value lives after each write; 0 = never expires', 86400, 0, backendMaxTtlSeconds),
  max_ttl: optionalInteger(
    'Longest TTL a client may ask for with Cache-Control: max-age; default: default_ttl; 0 = the longest the backends store (20 years)',
    0,
    backendMaxTtlSeconds,
  ),
  log_level: oneOf(
    'Lowest level logged: debug, info, warning, error or fatal',
    ['debug', 'info', 'warning', 'error', 'fatal'],
    'info',
  ),
  openapi_spec: optionalString(
    "OpenAPI document to serve at /openapi instead of the built-in one, rendered as Kask renders its own openapi.yaml (a Go template over Kask's configuration, such as {{ .BaseURI }}); a relative path is taken from the working directory, as Kask does",
  ),
  tls: section(
    'HTTPS for the service',
    {
      cert: optionalString('PEM certificate chain file; with tls.key, turns on HTTPS', readableFile),
      key: optionalString('PEM private key file; both or neither', readableFile),
      client_ca: optionalString(
        'PEM CA certificate file: every client must present a certificate it signed, checked at the TLS handshake; needs tls.cert and tls.key. The three files are read again on SIGHUP, without dropping connections',
        readableFile,
      ),
    },
    (value, key) => {
      bothOrNeither<typeof value>('cert', 'key')(value, key);
      if (value.client_ca !== undefined && value.cert === undefined) fail(key, 'client_ca needs cert and key');
    },
  ),
  clients: clientPermissions(
    "Client identity (a certificate's subject CN, or a DNS or URI subjectAltName) -> namespace name -> its permissions there: a list of read (GET), write (POST, PUT, PATCH), delete (DELETE). When set, a request to a namespace from no identity answers 401 and from an identity without the permission 403. Needs tls.client_ca or trusted_proxy",
  ),
  metrics_clients: stringList(
    'Client identities allowed to read /metrics; when set, others get 401 or 403 there. Needs tls.client_ca or trusted_proxy. Other operational routes stay open',
    undefined,
  ),
  trusted_proxy: stringList(
    "IP addresses of local TLS-terminating proxies (Envoy) whose connections may name the client in X-Forwarded-Client-Cert (the header's last element: the proxy's own). From any other address the header is ignored and logged",
    undefined,
    ipAddress,
  ),
  storage: oneOf(
    'Storage backend; default: cassandra when a cassandra block is present, else embedded',
    ['embedded', 'cassandra'],
    'embedded',
  ),
  embedded: section('The embedded LMDB store', {
    path: string(
      "Directory of the LMDB files; each write is flushed to disk (fdatasync) before its 201. Keys are stored as their UTF-8 bytes: a file written by an earlier build (lmdb-js's default key encoding) still serves its keys, except those that began with a control character or held one of U+0000-U+0004, which are no longer found and are purged when they expire",
      './data',
    ),
    purge_interval_ms: integer('Milliseconds between background purges of expired values', 60000, 100),
  }),
  cassandra: section('The Cassandra store', {
    hosts: stringList('Contact points', ['localhost']),
    port: integer('CQL native port', 9042, 1, 65535),
    keyspace: string('Keyspace', 'kask'),
    table: string('Table', 'values'),
    local_dc: optionalString(
      'Local data centre: routes queries there and makes LOCAL_QUORUM local; default: the data centre of the first contact point that answers',
    ),
    query_timeout_ms: integer("Milliseconds before a query fails (503); keep it below the clients' own timeout", 12000, 1),
    connect_timeout_ms: integer('Milliseconds before a connection attempt fails', 5000, 1),
    authentication: section(
      'Password authentication',
      {
        username: optionalString('User name'),
        password: optionalString('Password'),
      },
      bothOrNeither('username', 'password'),
    ),
    tls: section(
      'TLS to Cassandra; the certificate chain is always verified',
      {
        ca: optionalString('PEM CA certificate file', readableFile),
        cert: optionalString('PEM client certificate file', readableFile),
        key: optionalString('PEM client key file', readableFile),
        enable_host_verification: boolean(
          "Kask's key (v1.0.13): a node's certificate must also name the node, by the cassandra.hosts name that resolves to its address or by that address; false checks the chain only",
          true,
        ),
      },
      (value, key) => {
        bothOrNeither<typeof value>('cert', 'key')(value, key);
        if (value.cert !== undefined && value.ca === undefined) fail(key, 'ca is required when cert and key are set');
      },
    ),
  }),
  workers: optionalInteger(
    "Processes serving the port (node:cluster); 1 serves from this process alone. Default: the cores, within the cgroup's CPU and memory limits; the start-up log says how many and why. The primary replaces a worker that dies, purges expired values once for all, sums /metrics over every worker, and drains them all on SIGTERM",
    1,
    256,
  ),
  max_key_bytes: integer(
    'Longest key accepted, in UTF-8 bytes; at most what the backend stores (1978 embedded, 65535 on Cassandra)',
    defaultLimits.maxKeyBytes,
    1,
    backendMaxKeyBytes.cassandra,
  ),
  max_value_bytes: integer('Largest value accepted, in bytes', defaultLimits.maxValueBytes, 1),
  request_timeout_ms: integer(
    'Milliseconds a client has to send a whole request (checked every half second: then 408 and the connection closes)',
    30000,
    1,
  ),
  headers_timeout_ms: integer('Milliseconds a client has to send the request headers (likewise)', 10000, 1),
  keep_alive_timeout_ms: integer('Milliseconds an idle keep-alive connection stays open', 5000, 1),
});

/** The validated, frozen configuration. */
export type Config = ReturnType<typeof configFrom>;

/** A configuration file's keys as validated, before the values derived from them. */
export type ParsedFile = Parsed<typeof schema.shape>;

/** Every key with its description and default, for documentation. */
export const configSchema = schema;

/** What runs without a configuration file: the embedded store on localhost:8081 under /sessions/v1/. */
const developmentFile = { listen_port: 8081, base_uri: '/sessions/v1/' };

/** The namespaces a configuration serves: until namespaces are configurable, one, named `default`. */
const namespaceNames: readonly string[] = ['default'];

/** Clients can be identified, and are listed with permissions in namespaces that exist. */
function checkClients(parsed: ParsedFile): void {
  const listing = parsed.clients !== undefined ? 'clients' : parsed.metrics_clients !== undefined ? 'metrics_clients' : undefined;
  if (listing !== undefined && parsed.tls.client_ca === undefined && parsed.trusted_proxy === undefined) {
    fail(listing, 'needs tls.client_ca or trusted_proxy: without them no client is ever identified');
  }
  for (const [identity, namespaces] of Object.entries(parsed.clients ?? {})) {
    for (const namespace of Object.keys(namespaces)) {
      if (!namespaceNames.includes(namespace)) {
        fail(`clients.${identity}.${namespace}`, `is not a configured namespace (they are: ${namespaceNames.join(', ')})`);
      }
    }
  }
}

/** Validates a parsed configuration file (Kask's keys and ours); throws a ConfigError naming the key. */
export function configFrom(file: unknown) {
  const parsed = schema.parse(file, '');
  const hasCassandraBlock = typeof file === 'object' && file !== null && 'cassandra' in file;
  const explicitStorage = typeof file === 'object' && file !== null && 'storage' in file;
  const base = `/${parsed.base_uri.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
  if (parsed.headers_timeout_ms > parsed.request_timeout_ms) {
    fail('headers_timeout_ms', 'must not exceed request_timeout_ms');
  }
  const storage = explicitStorage ? parsed.storage : hasCassandraBlock ? ('cassandra' as const) : ('embedded' as const);
  if (parsed.max_key_bytes > backendMaxKeyBytes[storage]) {
    fail('max_key_bytes', `must be at most ${backendMaxKeyBytes[storage]} on the ${storage} store (got ${parsed.max_key_bytes})`);
  }
  let document: string;
  try {
    document = openApiDocument(parsed, base);
  } catch (error) {
    fail('openapi_spec', (error as Error).message);
  }
  checkClients(parsed);
  const workers =
    parsed.workers === undefined ? defaultWorkers() : { count: parsed.workers, reason: 'workers is set in the configuration' };
  return Object.freeze({
    ...parsed,
    max_ttl: parsed.max_ttl ?? parsed.default_ttl,
    base_uri: base,
    workers: workers.count,
    /** Why `workers` is what it is, for the start-up log. */
    workers_reason: workers.reason,
    /** The document served at /openapi (see openapi-document.ts). */
    openapi_document: document,
    storage,
  });
}

/** Reads and validates a YAML configuration file, or the development configuration when `path` is undefined. */
export function loadConfig(path: string | undefined): Config {
  if (path === undefined) return configFrom(developmentFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let file: unknown;
  try {
    file = parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid YAML: ${(error as Error).message}`);
  }
  return configFrom(file);
}
