import { accessSync, constants, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse } from 'yaml';
import { anonymousClient, comparedName, unlistedClient } from './auth/client-names.js';
import { configuredWorkers, defaultWorkers, localCassandraHost } from './cluster/default-workers.js';
import { openApiDocument } from './document/openapi-document.js';
import { defaultLimits, namespaceNamePattern, pathMethods, sessionPathTemplate } from './generated/contract.js';
import { hasTls, secureContextOptions } from './http/tls.js';
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

/** A key that must be given: `rule` parses it, and the documentation says it is required. */
function required<T>(rule: Rule<T>): Rule<T> & { required: true } {
  return {
    description: rule.description,
    default: rule.default,
    required: true,
    parse(value, key) {
      if (value === undefined || value === null) fail(key, 'is required');
      return rule.parse(value, key);
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

/**
 * Each of `identities` -> the form it is compared in (client-names.ts: lower-cased where DNS and URIs ignore
 * case); two that are one client are refused, naming `key`.
 */
function comparedIdentities(identities: readonly string[], key: string): ReadonlyMap<string, string> {
  const compared = new Map<string, string>();
  const givenAs = new Map<string, string>();
  for (const identity of identities) {
    const name = comparedName(identity);
    const same = givenAs.get(name);
    if (same !== undefined) {
      fail(
        key,
        `${JSON.stringify(same)} and ${JSON.stringify(identity)} are one client: the case of a CN or DNS name, or of a URI's scheme or host, makes no difference`,
      );
    }
    compared.set(identity, name);
    givenAs.set(name, identity);
  }
  return compared;
}

/** A list of client identities, in the form they are compared in; two that are one client are refused. */
function identityList(description: string): Rule<readonly string[] | undefined> {
  const list = stringList(description, undefined);
  return {
    description,
    default: undefined,
    parse(value, key) {
      const identities = list.parse(value, key);
      return identities === undefined ? undefined : Object.freeze([...comparedIdentities(identities, key).values()]);
    },
  };
}

function clientPermissions(description: string): Rule<ClientPermissions | undefined> {
  return {
    description,
    default: undefined,
    parse(value, key) {
      if (value === undefined || value === null) return undefined;
      if (!isMapping(value) || Object.keys(value).length === 0) fail(key, 'must be a non-empty mapping of client identities');
      const clients: Record<string, Readonly<Record<string, readonly Permission[]>>> = {};
      const identities = comparedIdentities(Object.keys(value), key);
      for (const [given, namespaces] of Object.entries(value)) {
        if (!isMapping(namespaces)) fail(`${key}.${given}`, 'must be a mapping of namespace names to permissions');
        const granted: Record<string, readonly Permission[]> = {};
        for (const [namespace, permissions] of Object.entries(namespaces)) {
          const at = `${key}.${given}.${namespace}`;
          if (!Array.isArray(permissions) || !permissions.every((p) => permissionNames.includes(p))) {
            fail(at, `must be a list of ${permissionNames.join(', ')} (got ${JSON.stringify(permissions)})`);
          }
          granted[namespace] = Object.freeze([...new Set(permissions as Permission[])]);
        }
        clients[identities.get(given) as string] = Object.freeze(granted);
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
      if (!isMapping(value)) fail(key, 'must be a mapping');
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

/** A mapping of names chosen by the operator to sections of one shape (`namespaces.<name>.*`). */
function mapOf<S extends Shape>(
  description: string,
  entry: Rule<Parsed<S>> & { shape: S },
  checkName: Check<string>,
): Rule<ReadonlyMap<string, Parsed<S>> | undefined> & { entry: typeof entry } {
  return {
    description,
    entry,
    default: undefined,
    parse(value, key) {
      if (value === undefined || value === null) return undefined;
      if (!isMapping(value) || Object.keys(value).length === 0) fail(key, 'must be a mapping of at least one name');
      const entries = Object.entries(value).map(([name, settings]) => {
        checkName(name, `${key}.${name}`);
        return [name, entry.parse(settings, `${key}.${name}`)] as const;
      });
      return new Map(entries);
    },
  };
}

/** The operational routes of the document (/healthz, /readyz, /metrics, /openapi): no session route may be under one. */
const operationalPaths = Object.keys(pathMethods).filter((path) => path !== sessionPathTemplate);

function baseUri(value: string, key: string): void {
  if (!/^\/?([A-Za-z0-9._~!$&'()*+,;=:@-]+\/?)*$/.test(value)) fail(key, 'must be a path of unreserved characters');
  // NOTE: under / a key named healthz, readyz, metrics or openapi would be an operational route instead.
  if (/^\/*$/.test(value)) fail(key, `must not be /: the session route would take ${operationalPaths.join(', ')}`);
  // NOTE: a client removes dot segments from a URL's path (RFC 3986 section 5.2.4; cURL, browsers), so a base URI
  // with one is never reached, and /./healthz/ passed the check below while clients send /healthz/.
  if (value.split('/').some((segment) => segment === '.' || segment === '..')) {
    fail(key, 'must not have a . or .. segment: clients remove them from the URLs they send');
  }
  const normalised = normalisedBaseUri(value);
  const taken = operationalPaths.find((path) => normalised.startsWith(`${path}/`));
  if (taken !== undefined) fail(key, `must not be under ${taken}/: ${taken} is an operational route`);
}

/** A leading and a trailing slash, as Kask adds them. */
function normalisedBaseUri(value: string): string {
  return `/${value.replace(/^\/+|\/+$/g, '')}/`;
}

// NOTE: a namespace's name is also its default Cassandra table name and LMDB sub-database name, and a metric
// label: a lower-case identifier that CQL takes unquoted and LMDB as a database name. The document says which
// (NamespaceAvailability's property names); tables are held to the same.
function identifier(value: string, key: string): void {
  if (!namespaceNamePattern.test(value)) {
    fail(key, `must be a lower-case letter followed by up to 47 lower-case letters, digits or _ (got ${JSON.stringify(value)})`);
  }
}

const ttlSeconds = (description: string) => optionalInteger(description, 0, backendMaxTtlSeconds);

const namespace = section('One namespace: a store of its own under its own base URI', {
  base_uri: required(string('Path prefix of its session route; a leading and trailing / are added', '', baseUri)),
  table: optionalString(
    'Its Cassandra table in cassandra.keyspace, or its LMDB sub-database in embedded.path; default: the namespace name',
    identifier,
  ),
  default_ttl: ttlSeconds('default_ttl for this namespace; default: the top-level default_ttl'),
  max_ttl: ttlSeconds('max_ttl for this namespace; default: the top-level max_ttl when the file sets one, else its default_ttl'),
  max_key_bytes: optionalInteger(
    'max_key_bytes for this namespace; default: the top-level max_key_bytes',
    1,
    backendMaxKeyBytes.cassandra,
  ),
  max_value_bytes: optionalInteger('max_value_bytes for this namespace; default: the top-level max_value_bytes', 1),
});

const schema = section('kask-ts configuration', {
  service_name: string('`appname` in logs', 'kask'),
  base_uri: string(
    'Path prefix of the session route; a leading and trailing / are added. Not with namespaces, which have their own',
    '/v1/',
    baseUri,
  ),
  listen_address: string('Address to listen on', 'localhost'),
  listen_port: integer('Port to listen on', 8080, 1, 65535),
  default_ttl: integer(
    'Seconds a value lives after each write; 0 = never expires. With namespaces, the default of each',
    86400,
    0,
    backendMaxTtlSeconds,
  ),
  max_ttl: optionalInteger(
    'Longest TTL a client may ask for with Cache-Control: max-age; default: default_ttl; 0 = the longest the backends store (20 years). With namespaces, the default of each',
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
        'PEM CA certificate file: every client must present a certificate it signed, checked at the TLS handshake; needs tls.cert and tls.key. An intermediate CA needs its root CA in the file too (a file without it is refused: Node.js trusts only a chain that ends at a root it holds). The three files are read again on SIGHUP, without dropping connections',
        readableFile,
      ),
    },
    (value, key) => {
      bothOrNeither<typeof value>('cert', 'key')(value, key);
      if (value.client_ca !== undefined && value.cert === undefined) fail(key, 'client_ca needs cert and key');
    },
  ),
  clients: clientPermissions(
    "Client identity (a certificate's subject CN, or a DNS or URI subjectAltName; compared without regard to case, except a URI's path, query and fragment) -> namespace name -> its permissions there: a list of read (GET), write (POST, PUT, PATCH), delete (DELETE). When set, a request to a namespace from no identity answers 401 and from an identity without the permission 403. Needs tls.client_ca or trusted_proxy",
  ),
  metrics_clients: identityList(
    'Client identities allowed to read /metrics (compared as in clients); when set, others get 401 or 403 there. Needs tls.client_ca or trusted_proxy. Other operational routes stay open',
  ),
  trusted_proxy: stringList(
    "IP addresses of local TLS-terminating proxies (Envoy) whose connections may name the client in X-Forwarded-Client-Cert (the header's last element: the proxy's own). From any other address the header is ignored and logged (once a minute per address)",
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
    "Processes serving the port (node:cluster); 1 serves from this process alone. Default: the cores (less one when a cassandra.hosts entry is this machine), within the cgroup's CPU and memory limits; the start-up log says how many and why, and warns when a value set here is more than that. The primary replaces a worker that dies (a replacement that cannot start is retried, from 0.5 s to every 30 s, while the others serve; at start-up the service stops instead), purges expired values once for all, sums /metrics over every worker, and drains them all on SIGTERM",
    1,
    256,
  ),
  max_key_bytes: integer(
    'Longest key accepted, in UTF-8 bytes; at most what the backend stores (1978 embedded, 65535 on Cassandra). With namespaces, the default of each',
    defaultLimits.maxKeyBytes,
    1,
    backendMaxKeyBytes.cassandra,
  ),
  max_value_bytes: integer(
    'Largest value accepted, in bytes. With namespaces, the default of each',
    defaultLimits.maxValueBytes,
    1,
  ),
  namespaces: mapOf(
    "Namespaces by name (a lower-case letter, then up to 47 lower-case letters, digits or _): stores of their own, each under its own base_uri with its own TTLs, limits and table, sharing one connection to the backend; top-level default_ttl, max_ttl, max_key_bytes and max_value_bytes are their defaults. Default: one namespace, `default`, from Kask's top-level keys, stored where Kask stores it (cassandra.table; the embedded store's main database). Not with a top-level base_uri (see Namespaces)",
    namespace,
    identifier,
  ),
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

/** One namespace as the service runs it: its route, its limits and where its values are stored. */
export interface NamespaceConfig {
  /** Its name in metrics, /healthz and `kask-ts truncate`; `default` for Kask's single namespace. */
  readonly name: string;
  /** The path prefix of its session route, with a leading and a trailing slash. */
  readonly base_uri: string;
  /** Its Cassandra table in `cassandra.keyspace`, or its LMDB sub-database. */
  readonly table: string;
  /**
   * Its LMDB sub-database; `undefined`: the main database, where Kask's single namespace is stored (so that
   * a data file written before namespaces existed keeps its sessions).
   */
  readonly embedded_database: string | undefined;
  readonly default_ttl: number;
  /** The longest TTL a client may ask for; 0: the longest the backends store. */
  readonly max_ttl: number;
  readonly max_key_bytes: number;
  readonly max_value_bytes: number;
}

/** Every key with its description and default, for documentation. */
export const configSchema = schema;

/** What runs without a configuration file: the embedded store on localhost:8081 under /sessions/v1/. */
const developmentFile = { listen_port: 8081, base_uri: '/sessions/v1/' };

/** The name of Kask's single namespace, which a file without `namespaces:` describes. */
export const defaultNamespaceName = 'default';

type StorageName = keyof typeof backendMaxKeyBytes;

/** The namespaces a file describes: its `namespaces:`, or Kask's single one from its top-level keys. */
function namespacesOf(parsed: ParsedFile, file: Record<string, unknown>, storage: StorageName): NamespaceConfig[] {
  if (parsed.namespaces === undefined) {
    return [
      {
        name: defaultNamespaceName,
        base_uri: normalisedBaseUri(parsed.base_uri),
        table: parsed.cassandra.table,
        embedded_database: undefined,
        default_ttl: parsed.default_ttl,
        max_ttl: checkedMaxTtl(
          { seconds: parsed.max_ttl ?? parsed.default_ttl, key: 'max_ttl' },
          { seconds: parsed.default_ttl, key: 'default_ttl' },
        ),
        max_key_bytes: withinBackend(parsed.max_key_bytes, 'max_key_bytes', storage),
        max_value_bytes: parsed.max_value_bytes,
      },
    ];
  }
  if ('base_uri' in file) {
    fail('base_uri', 'must not be given with namespaces: each namespace has its own base_uri');
  }
  const namespaces = [...parsed.namespaces].map(([name, settings]): NamespaceConfig => {
    const key = `namespaces.${name}`;
    const table = settings.table ?? name;
    const defaultTtl = {
      seconds: settings.default_ttl ?? parsed.default_ttl,
      key: settings.default_ttl === undefined ? 'default_ttl' : `${key}.default_ttl`,
    };
    const maxTtl =
      settings.max_ttl !== undefined
        ? { seconds: settings.max_ttl, key: `${key}.max_ttl` }
        : { seconds: parsed.max_ttl ?? defaultTtl.seconds, key: 'max_ttl' };
    return {
      name,
      base_uri: normalisedBaseUri(settings.base_uri),
      table,
      embedded_database: table,
      default_ttl: defaultTtl.seconds,
      max_ttl: checkedMaxTtl(maxTtl, defaultTtl),
      max_key_bytes:
        settings.max_key_bytes === undefined
          ? withinBackend(parsed.max_key_bytes, 'max_key_bytes', storage)
          : withinBackend(settings.max_key_bytes, `${key}.max_key_bytes`, storage),
      max_value_bytes: settings.max_value_bytes ?? parsed.max_value_bytes,
    };
  });
  for (const [i, one] of namespaces.entries()) {
    for (const other of namespaces.slice(i + 1)) {
      if (one.base_uri.startsWith(other.base_uri) || other.base_uri.startsWith(one.base_uri)) {
        fail(
          'namespaces',
          `${one.name} (${one.base_uri}) and ${other.name} (${other.base_uri}) overlap: no base_uri may be a prefix of another`,
        );
      }
      if (one.table === other.table) fail('namespaces', `${one.name} and ${other.name} must not share the table ${one.table}`);
    }
  }
  return namespaces;
}

/** A TTL in seconds and the key that set it. */
interface TtlSetting {
  readonly seconds: number;
  readonly key: string;
}

/**
 * The max_ttl, when it is no shorter than the default_ttl (0 is the longest in both: as long as the backend stores,
 * and never expires): a write without Cache-Control must not outlive any a client may ask for.
 */
function checkedMaxTtl(max: TtlSetting, byDefault: TtlSetting): number {
  const length = (ttl: TtlSetting) => (ttl.seconds === 0 ? Number.POSITIVE_INFINITY : ttl.seconds);
  if (length(max) < length(byDefault)) {
    const given = byDefault.seconds === 0 ? '0, never expiring' : String(byDefault.seconds);
    fail(max.key, `must be at least ${byDefault.key} (${given}), or 0 (got ${max.seconds})`);
  }
  return max.seconds;
}

/** `maxKeyBytes`, when the backend can store keys that long. */
function withinBackend(maxKeyBytes: number, key: string, storage: StorageName): number {
  if (maxKeyBytes > backendMaxKeyBytes[storage]) {
    fail(key, `must be at most ${backendMaxKeyBytes[storage]} on the ${storage} store (got ${maxKeyBytes})`);
  }
  return maxKeyBytes;
}

/** Clients can be identified, and are listed with permissions in namespaces that exist. */
function checkClients(parsed: ParsedFile, namespaceNames: readonly string[]): void {
  const listing = parsed.clients !== undefined ? 'clients' : parsed.metrics_clients !== undefined ? 'metrics_clients' : undefined;
  if (listing !== undefined && parsed.tls.client_ca === undefined && parsed.trusted_proxy === undefined) {
    fail(listing, 'needs tls.client_ca or trusted_proxy: without them no client is ever identified');
  }
  for (const identity of [...Object.keys(parsed.clients ?? {}), ...(parsed.metrics_clients ?? [])]) {
    // A denial's metric names the client by its identity, or by one of these words: an identity must not be one.
    if (identity === '' || identity === anonymousClient || identity === unlistedClient) {
      fail(
        parsed.clients !== undefined && identity in parsed.clients ? 'clients' : 'metrics_clients',
        `${JSON.stringify(identity)} cannot be a client's identity`,
      );
    }
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
  const given = file === null || typeof file !== 'object' ? {} : (file as Record<string, unknown>);
  const storage = 'storage' in given ? parsed.storage : 'cassandra' in given ? ('cassandra' as const) : ('embedded' as const);
  if (parsed.headers_timeout_ms > parsed.request_timeout_ms) {
    fail('headers_timeout_ms', 'must not exceed request_timeout_ms');
  }
  const namespaces = namespacesOf(parsed, given, storage);
  let document: string;
  try {
    document = openApiDocument(parsed, namespaces);
  } catch (error) {
    fail('openapi_spec', (error as Error).message);
  }
  if (hasTls(parsed.tls)) {
    // The files are read again when the server starts and on SIGHUP; files that cannot serve are refused here.
    try {
      secureContextOptions(parsed.tls);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  checkClients(
    parsed,
    namespaces.map((namespace) => namespace.name),
  );
  const fitting = defaultWorkers({
    localDatabase: storage === 'cassandra' ? localCassandraHost(parsed.cassandra.hosts) : undefined,
  });
  const workers = parsed.workers === undefined ? fitting : configuredWorkers(parsed.workers, fitting);
  // The top-level session keys live on in the namespaces they describe, never read directly.
  const { base_uri, default_ttl, max_ttl, max_key_bytes, max_value_bytes, namespaces: _declared, ...service } = parsed;
  return Object.freeze({
    ...service,
    /** Every namespace, in the file's order: at least one. */
    namespaces: Object.freeze(namespaces.map((one) => Object.freeze(one))),
    workers: workers.count,
    /** Why `workers` is what it is, for the start-up log. */
    workers_reason: workers.reason,
    /** The processes this machine fits, when `workers` asks for more (a warning at start-up). */
    workers_fitting: workers.fits,
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
