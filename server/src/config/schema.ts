import { defaultLimits } from '../generated/contract.js';
import { logLevels } from '../logging/logging.js';
import { backendMaxKeyBytes, backendMaxTtlSeconds, backendNames, backendSettings, defaultBackend } from '../storage/registry.js';
import {
  boolean,
  fail,
  fraction,
  integer,
  ipAddress,
  isMapping,
  type Origin,
  oneOf,
  optionalInteger,
  optionalString,
  readableFile,
  required,
  string,
  stringList,
} from '../validation/rules.js';
import { bothOrNeither, mapOf, section } from '../validation/sections.js';
import { clientPermissions, identityList } from './clients.js';
import { baseUri, identifier } from './names.js';

// The one description of the configuration file: every key, its default and its validation. The keys and
// their meaning are Kask's (so an operator can swap binaries with the same file), plus ours; a parsed file keeps
// the file's snake_case names so that operators and code speak of the same keys. Each backend's section is its
// own (storage/registry.ts).

/** The longest key any backend stores: each namespace's limit is checked against the configured backend's (namespaces.ts). */
const longestKeyBytes = Math.max(...Object.values(backendMaxKeyBytes));

const secondsInAYear = 365 * 24 * 60 * 60;

/** Each backend's key limit, for the description of max_key_bytes. */
const keyLimits = backendNames.map((name) => `${backendMaxKeyBytes[name]} on the ${name} store`).join(', ');

const ttlSeconds = (description: string) => optionalInteger(description, 0, backendMaxTtlSeconds);

/** The requests each kind of bucket counts. */
const requestKinds = {
  reads: 'reads (GET, HEAD)',
  writes: 'writes of a value (POST, PUT, PATCH; DELETE is never limited)',
} as const;

/**
 * A token bucket of one kind of request for `whom`; `byDefault` says what applies without it. A bucket given without
 * `per_second` is refused rather than read as none: `writes: {}` or a misspelt rate would turn a limit off unseen.
 */
const bucket = (kind: keyof typeof requestKinds, whom: string, byDefault: string) => {
  const settings = section(`A token bucket of ${requestKinds[kind]}`, {
    per_second: optionalInteger(
      `How many ${requestKinds[kind]} a second ${whom}, over every worker; beyond the burst, 429 with Retry-After. ${byDefault}`,
      1,
    ),
    burst: optionalInteger(`The ${kind} admitted at once after a quiet spell (the bucket's size); default: per_second`, 1),
  });
  return {
    ...settings,
    parse(value: unknown, key: string, origin: Origin) {
      const parsed = settings.parse(value, key, origin);
      if (isMapping(value) && parsed.per_second === undefined) fail(key, 'needs per_second');
      return parsed;
    },
  };
};

/** The rate limits of a namespace (see Rate limits); `byDefault` says what applies without each key. */
const rateLimits = (byDefault: string) =>
  section('Rate limits', {
    reads: bucket('reads', 'the namespace admits from every client together', byDefault),
    writes: bucket('writes', 'the namespace admits from every client together', byDefault),
    key_writes_per_second: optionalInteger(
      `Writes of a value (POST, PUT, PATCH; not DELETE) a second to any one key, over every worker; more answer 429 with Retry-After. ${byDefault}`,
      1,
    ),
    clients: mapOf(
      `Client identity (listed in clients) -> its own buckets in the namespace, besides the namespace's: a request must find a token in both. ${byDefault}`,
      section('One client in the namespace', {
        reads: bucket('reads', 'the client is admitted in the namespace', 'Default: no limit'),
        writes: bucket('writes', 'the client is admitted in the namespace', 'Default: no limit'),
      }),
      // Identities are checked against `clients` once the whole file is read (rate-limits.ts).
      () => {},
    ),
  });

const namespace = section('One namespace: a store of its own under its own base URI', {
  base_uri: required(string('Path prefix of its session route; a leading and trailing / are added', '', baseUri)),
  table: optionalString(
    'Its Cassandra table in cassandra.keyspace, or its LMDB sub-database in embedded.path; default: the namespace name',
    identifier,
  ),
  default_ttl: ttlSeconds('default_ttl for this namespace; default: the top-level default_ttl'),
  max_ttl: ttlSeconds('max_ttl for this namespace; default: the top-level max_ttl when the file sets one, else its default_ttl'),
  max_key_bytes: optionalInteger('max_key_bytes for this namespace; default: the top-level max_key_bytes', 1, longestKeyBytes),
  max_value_bytes: optionalInteger('max_value_bytes for this namespace; default: the top-level max_value_bytes', 1),
  max_bytes: optionalInteger('max_bytes for this namespace; default: the top-level max_bytes', 1),
  max_keys: optionalInteger('max_keys for this namespace; default: the top-level max_keys', 1),
  limits: rateLimits('Default: the top-level one'),
  listen_port: optionalInteger(
    "Port of its session route, when not the top-level listen_port: served by processes of its own (workers of them), so that a flood here costs the other ports' processes only the cores the kernel gives these (see nice); on the embedded store, its values are in an LMDB environment of its own, embedded.path/NAME/. Its port serves the operational routes too. Default: the top-level listen_port",
    1,
    65535,
  ),
  nice: integer(
    "Niceness the processes serving its port add to the service's own (every thread of them, on Linux; at most 19 in all): 19 runs them on what the others leave of the cores, nearly. The same for every namespace on a port",
    0,
    0,
    19,
  ),
});

export const configSchema = section('kask-ts configuration', {
  service_name: string('`appname` in logs', 'kask'),
  base_uri: string(
    'Path prefix of the session route; a leading and trailing / are added. Not with namespaces, which have their own',
    '/v1/',
    baseUri,
  ),
  listen_address: string(
    'Address to listen on: an IP address, or a host name, which listens on the first address it resolves to (as Kask does)',
    'localhost',
  ),
  listen_port: integer('Port to listen on', 8080, 1, 65535),
  default_ttl: integer(
    'Seconds a value lives after each write; 0 = never expires. With namespaces, the default of each',
    86400,
    0,
    backendMaxTtlSeconds,
  ),
  max_ttl: optionalInteger(
    `Longest TTL a client may ask for with Cache-Control: max-age; default: default_ttl; 0 = the longest the backends store (${backendMaxTtlSeconds / secondsInAYear} years). With namespaces, the default of each`,
    0,
    backendMaxTtlSeconds,
  ),
  log_level: oneOf(`Lowest level logged: ${logLevels.join(', ')}`, logLevels, 'info'),
  readyz_max_used_share: fraction(
    "Growth alarm on /readyz: above this share of a namespace's quota (max_bytes, max_keys) or of its embedded store's filesystem, /readyz answers 503 naming the namespace and why, and /healthz names it in storage.alarms, its storage still available (a full store still serves reads: use it only where another instance can take the traffic). 0 = off",
    0,
  ),
  access_log: boolean(
    'Log one line per request answered (msg `request`, at INFO whatever log_level): method, route and namespace, status, duration_ms, request_bytes and response_bytes, request_id, and the client identity where clients are checked; never the URL, the key or the value. Off, it costs a request nothing',
    false,
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
        'PEM CA certificate file: clients present a certificate it signed. One that fails verification (another CA, expired, not for clients) is refused at the TLS handshake; a client without one (a probe) reaches the operational routes only, and gets 401 on the session routes (and on /metrics under metrics_clients). Needs tls.cert and tls.key. An intermediate CA needs its root CA in the file too (a file without it is refused: Node.js trusts only a chain that ends at a root it holds). The three files are read again on SIGHUP, without dropping connections',
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
    'Client identities allowed to read /metrics and /insight (compared as in clients); when set, others get 401 or 403 there. Needs tls.client_ca or trusted_proxy. Other operational routes stay open',
  ),
  insight: section('Insight into how sessions are written, without session ids (see Insight)', {
    secret_file: optionalString(
      'File holding the secret (at least 32 bytes; trailing newlines are not part of it) of the keyed hash that stands for a key in /insight (HMAC-SHA256, first 64 bits). Turns on /insight and kask_written_keys; without it no write is hashed',
      readableFile,
    ),
    window_seconds: integer('Seconds of writes /insight and kask_written_keys cover, in tenths', 600, 10, 86400),
    top_keys: integer('The most written keys /insight lists per namespace', 10, 1, 100),
    compare_rate: fraction(
      'Fraction of writes whose stored value is read first to count same-value rewrites (kask_compared_writes_total), where a write cannot tell by itself: on cassandra each costs a read at LOCAL_QUORUM before the write. The embedded store compares every write, without a read',
      0.01,
    ),
  }),
  trusted_proxy: stringList(
    "IP addresses of local TLS-terminating proxies (Envoy) whose connections may name the client in X-Forwarded-Client-Cert (the header's last element: the proxy's own). From any other address the header is ignored and logged (once a minute per address)",
    undefined,
    ipAddress,
  ),
  storage: oneOf(
    `Storage backend: ${backendNames.join(' or ')}; default: the one whose section the file has (cassandra for Kask's files), else ${defaultBackend}`,
    backendNames,
    defaultBackend,
  ),
  ...backendSettings,
  workers: optionalInteger(
    "Processes serving each port (node:cluster); 1 serves from this process alone when the namespaces share one port. Default: the cores (less one when a cassandra.hosts entry is this machine), within the cgroup's CPU and memory limits, shared by the ports (at least 1 each); the start-up log says how many and why, and warns when a value set here is more than that. The primary replaces a worker that dies (a replacement that cannot start is retried, from 0.5 s to every 30 s, while the others serve; at start-up the service stops instead), purges expired values once for all, sums /metrics over every worker, and drains them all on SIGTERM",
    1,
    256,
  ),
  v8_max_semi_space_mib: optionalInteger(
    "MiB of each of the two semi-spaces of V8's young generation in every serving process (node's --max-semi-space-size): a smaller young generation keeps a process's memory (RSS) lower, for more and shorter minor garbage collections (8: 137-169 MiB at 1,000 requests/s on Cassandra against 189-241). A process that serves alone restarts itself with it at start, in place (the same pid): a SIGHUP (a reload) sent while it restarts, in its first half second, ends it. Workers are started with it. Default: V8's own sizing, which on Node.js 24 grows with the heap limit (the young generation reached 128 MiB under load where that is 4 GiB, on 23 GiB of memory)",
    1,
    1024,
  ),
  max_key_bytes: integer(
    `Longest key accepted, in UTF-8 bytes; at most what the backend stores (${keyLimits}). With namespaces, the default of each`,
    defaultLimits.maxKeyBytes,
    1,
    longestKeyBytes,
  ),
  max_value_bytes: integer(
    'Largest value accepted, in bytes. With namespaces, the default of each',
    defaultLimits.maxValueBytes,
    1,
  ),
  max_bytes: optionalInteger(
    'Quota: the most bytes (keys and values) a namespace may hold; a write that would go beyond it answers 507 insufficient_storage naming the quota, while reads, deletes and TTL changes go on. Expired values count until purged. Exact on the embedded store; on Cassandra, by its size estimates, which lag and may go over (see Storage limits). Default: none. With namespaces, the default of each',
    1,
  ),
  max_keys: optionalInteger(
    'Quota: the most keys a namespace may hold, as max_bytes (likewise exact on the embedded store, estimated on Cassandra). Default: none. With namespaces, the default of each',
    1,
  ),
  limits: rateLimits('Default: none (Kask has no limits); with namespaces, the default of each, each with buckets of its own'),
  namespaces: mapOf(
    "Namespaces by name (a lower-case letter, then up to 47 lower-case letters, digits or _): stores of their own, each under its own base_uri with its own TTLs, limits and table, sharing one connection to the backend; top-level default_ttl, max_ttl, max_key_bytes, max_value_bytes, max_bytes, max_keys and limits are their defaults. Default: one namespace, `default`, from Kask's top-level keys, stored where Kask stores it (cassandra.table; the embedded store's main database). Not with a top-level base_uri (see Namespaces)",
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

/** A configuration file's keys as validated, before the values derived from them. */
export type ParsedFile = ReturnType<typeof configSchema.parse>;
