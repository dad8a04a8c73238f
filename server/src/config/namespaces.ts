import type { NamespaceLimits } from '../limits/limiter.js';
import type { Quota } from '../storage/backend.js';
import type { BackendName } from '../storage/registry.js';
import { backendMaxKeyBytes } from '../storage/registry.js';
import { fail } from '../validation/rules.js';
import { normalisedBaseUri } from './names.js';
import { namespaceLimits } from './rate-limits.js';
import type { ParsedFile } from './schema.js';

// The namespaces a file describes, each with its limits and TTLs resolved from its own keys and the top-level ones.

/** One namespace as the service runs it: its route, its limits and where its values are stored. */
export interface NamespaceConfig {
  /** Its name in metrics, /healthz and `kask-ts truncate`; `default` for Kask's single namespace. */
  readonly name: string;
  /** The path prefix of its session route, with a leading and a trailing slash. */
  readonly base_uri: string;
  /**
   * Its table (Cassandra) or database (LMDB); `undefined` for Kask's single namespace, which each backend stores
   * where Kask stores it (storage/backend.ts).
   */
  readonly table: string | undefined;
  readonly default_ttl: number;
  /** The longest TTL a client may ask for; 0: the longest the backends store. */
  readonly max_ttl: number;
  readonly max_key_bytes: number;
  readonly max_value_bytes: number;
  /** Its quotas: the most bytes (keys and values) and keys it may hold; none when undefined. */
  readonly quota: Quota;
  /** Its rate limits (see Rate limits); none in a file that sets none, as in Kask. */
  readonly limits: NamespaceLimits;
  /** The port its session route answers on: each port is served by processes of its own (cluster/port-groups.ts). */
  readonly listen_port: number;
  /** The niceness of the processes serving its port. */
  readonly nice: number;
  /** On a port of its own: its store is kept apart from the others' (storage/backend.ts). */
  readonly apart: boolean;
}

/** The name of Kask's single namespace, which a file without `namespaces:` describes. */
const defaultNamespaceName = 'default';

/** The namespaces a file describes: its `namespaces:`, or Kask's single one from its top-level keys. */
export function namespacesOf(parsed: ParsedFile, file: Record<string, unknown>, storage: BackendName): NamespaceConfig[] {
  if (parsed.namespaces === undefined) {
    return [
      {
        name: defaultNamespaceName,
        base_uri: normalisedBaseUri(parsed.base_uri),
        table: undefined,
        default_ttl: parsed.default_ttl,
        max_ttl: checkedMaxTtl(
          { seconds: parsed.max_ttl ?? parsed.default_ttl, key: 'max_ttl' },
          { seconds: parsed.default_ttl, key: 'default_ttl' },
        ),
        max_key_bytes: withinBackend(parsed.max_key_bytes, 'max_key_bytes', storage),
        max_value_bytes: parsed.max_value_bytes,
        quota: { maxBytes: parsed.max_bytes, maxKeys: parsed.max_keys },
        limits: namespaceLimits(parsed),
        listen_port: parsed.listen_port,
        nice: 0,
        apart: false,
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
      default_ttl: defaultTtl.seconds,
      max_ttl: checkedMaxTtl(maxTtl, defaultTtl),
      max_key_bytes:
        settings.max_key_bytes === undefined
          ? withinBackend(parsed.max_key_bytes, 'max_key_bytes', storage)
          : withinBackend(settings.max_key_bytes, `${key}.max_key_bytes`, storage),
      max_value_bytes: settings.max_value_bytes ?? parsed.max_value_bytes,
      quota: { maxBytes: settings.max_bytes ?? parsed.max_bytes, maxKeys: settings.max_keys ?? parsed.max_keys },
      limits: namespaceLimits(parsed, { limits: settings.limits, key: `${key}.limits` }),
      listen_port: settings.listen_port ?? parsed.listen_port,
      nice: settings.nice,
      apart: (settings.listen_port ?? parsed.listen_port) !== parsed.listen_port,
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
      if (one.listen_port === other.listen_port && one.nice !== other.nice) {
        fail(
          `namespaces.${other.name}.nice`,
          `must be ${one.nice}, as ${one.name}'s: both are served on port ${one.listen_port}, by the same processes (got ${other.nice})`,
        );
      }
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
function withinBackend(maxKeyBytes: number, key: string, storage: BackendName): number {
  if (maxKeyBytes > backendMaxKeyBytes[storage]) {
    fail(key, `must be at most ${backendMaxKeyBytes[storage]} on the ${storage} store (got ${maxKeyBytes})`);
  }
  return maxKeyBytes;
}
