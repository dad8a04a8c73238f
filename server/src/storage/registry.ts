import type { Logger } from 'pino';
import type { Backend, StoredNamespace } from './backend.js';
import { type CassandraSettings, cassandraBackend } from './cassandra/backend.js';
import { type EmbeddedSettings, lmdbBackend } from './lmdb/backend.js';
import type { Census, Storage } from './storage.js';

// Every backend, by the name the configuration's `storage:` gives it; its section of the configuration has the
// same name. Everything that depends on the backend asks this registry.

/** Each backend's configuration section as validated, by its name. */
interface SettingsByBackend {
  readonly embedded: EmbeddedSettings;
  readonly cassandra: CassandraSettings;
}

/** The name of a backend (`storage:`), and of its configuration section. */
export type BackendName = keyof SettingsByBackend;

const backends: { readonly [Name in BackendName]: Backend<SettingsByBackend[Name]> } = {
  embedded: lmdbBackend,
  cassandra: cassandraBackend,
};

/** Every backend's name, the default first. */
export const backendNames = Object.keys(backends) as BackendName[];

/** The backend of a file that names none and has no other backend's section: the embedded store. */
export const defaultBackend: BackendName = 'embedded';

/** Each backend's configuration section's rule, by name. */
export const backendSettings = Object.fromEntries(backendNames.map((name) => [name, backends[name].settings])) as {
  readonly [Name in BackendName]: Backend<SettingsByBackend[Name]>['settings'];
};

/** The longest key each backend stores, in bytes of UTF-8. */
export const backendMaxKeyBytes = Object.fromEntries(backendNames.map((name) => [name, backends[name].maxKeyBytes])) as Readonly<
  Record<BackendName, number>
>;

/** The longest TTL, in seconds, that every backend stores: a file's TTLs serve whichever it names. */
export const backendMaxTtlSeconds = Math.min(...backendNames.map((name) => backends[name].maxTtlSeconds));

/** What the configuration says of storage: the backend, and every backend's section. */
export type BackendChoice = { readonly storage: BackendName } & SettingsByBackend;

/** The configured backend with its section: what the service, the cluster and the commands ask of storage. */
export interface ConfiguredBackend {
  readonly name: BackendName;
  readonly maintainedByOneProcess: boolean;
  readonly databaseHosts: readonly string[];
  open(namespaces: readonly StoredNamespace[], maintain: boolean, log: Logger): Promise<Storage[]>;
  describe(namespace: StoredNamespace): string;
  truncate(namespace: StoredNamespace): Promise<void>;
  census(namespaces: readonly StoredNamespace[]): Promise<(Census | undefined)[]>;
}

function withSettings<Name extends BackendName>(name: Name, settings: SettingsByBackend[Name]): ConfiguredBackend {
  const backend = backends[name];
  return {
    name,
    maintainedByOneProcess: backend.maintainedByOneProcess,
    databaseHosts: backend.databaseHosts(settings),
    open: (namespaces, maintain, log) => backend.open(settings, namespaces, maintain, log),
    describe: (namespace) => backend.describe(settings, namespace),
    truncate: (namespace) => backend.truncate(settings, namespace),
    census: (namespaces) => backend.census(settings, namespaces),
  };
}

/** The backend `choice` names, with its section. */
export function configuredBackend(choice: BackendChoice): ConfiguredBackend {
  return withSettings(choice.storage, choice[choice.storage]);
}
