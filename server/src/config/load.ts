import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { type BackendName, backendNames, defaultBackend } from '../storage/registry.js';
import { ConfigError, fail } from '../validation/rules.js';
import { checkClients } from './clients.js';
import { type NamespaceConfig, namespacesOf } from './namespaces.js';
import { configSchema, type ParsedFile } from './schema.js';

/** The top-level keys that describe Kask's single namespace: they live on in the namespaces, never read directly. */
type NamespaceKeys = 'base_uri' | 'default_ttl' | 'max_ttl' | 'max_key_bytes' | 'max_value_bytes' | 'limits' | 'namespaces';

/** The validated, frozen configuration: the file's keys, with its namespaces resolved and its backend chosen. */
export interface Config extends Omit<ParsedFile, NamespaceKeys | 'storage'> {
  /** The backend in use: the file's `storage`, or the one whose section it has. */
  readonly storage: BackendName;
  /** Every namespace, in the file's order: at least one. */
  readonly namespaces: readonly NamespaceConfig[];
}

/** What runs without a configuration file: the embedded store on localhost:8081 under /sessions/v1/. */
const developmentFile = { listen_port: 8081, base_uri: '/sessions/v1/' };

/** The backend a file names, else the one whose section it has (Kask's files have `cassandra:`), else the default. */
function backendOf(parsed: ParsedFile, file: Record<string, unknown>): BackendName {
  if (file.storage !== undefined && file.storage !== null) return parsed.storage;
  return backendNames.find((name) => name !== defaultBackend && name in file) ?? defaultBackend;
}

/**
 * Validates a parsed configuration file (Kask's keys and ours); throws a ConfigError naming the key. A relative
 * path of kask-ts's own keys (embedded.path) leads from `directory`: the file's.
 */
export function configFrom(file: unknown, directory = process.cwd()): Config {
  const parsed = configSchema.parse(file, '', { directory });
  const given = file === null || typeof file !== 'object' ? {} : (file as Record<string, unknown>);
  const storage = backendOf(parsed, given);
  if (parsed.headers_timeout_ms > parsed.request_timeout_ms) {
    fail('headers_timeout_ms', 'must not exceed request_timeout_ms');
  }
  const namespaces = namespacesOf(parsed, given, storage);
  checkClients(
    parsed,
    namespaces.map((namespace) => namespace.name),
  );
  const { base_uri, default_ttl, max_ttl, max_key_bytes, max_value_bytes, limits, namespaces: _declared, ...service } = parsed;
  return Object.freeze({
    ...service,
    namespaces: Object.freeze(namespaces.map((one) => Object.freeze(one))),
    storage,
  });
}

/**
 * Reads and validates a YAML configuration file, or the development configuration when `path` is undefined (whose
 * ./data is in the working directory).
 */
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
  return configFrom(file, dirname(resolve(path)));
}
