import type { Logger } from 'pino';
import type { StoredNamespace } from './backend.js';
import { type BackendChoice, configuredBackend } from './registry.js';
import type { Storage } from './storage.js';

/** Every namespace's store by name, in the configuration's order. */
export type NamespaceStores = ReadonlyMap<string, Storage>;

/** The configured backend and the namespaces stored in it. */
export type StorageSettings = BackendChoice & { readonly namespaces: readonly StoredNamespace[] };

/**
 * Opens every configured namespace's store over one connection to the configured backend (one Cassandra
 * client, one LMDB environment); `maintain` makes this process the one that maintains them (purges); the
 * backend says on `log` why it cannot serve.
 */
export async function openStorage(
  config: StorageSettings,
  { maintain, log }: { maintain: boolean; log: Logger },
): Promise<NamespaceStores> {
  const stores = await configuredBackend(config).open(config.namespaces, maintain, log);
  return new Map(config.namespaces.map((namespace, i) => [namespace.name, stores[i] as Storage]));
}

/** Closes every store of `stores` (and so their shared connection). */
export async function closeStores(stores: NamespaceStores): Promise<void> {
  await Promise.all([...stores.values()].map((store) => store.close()));
}

/**
 * What the primary of several workers holds open to maintain the stores once for all of them, when the
 * backend needs it (the embedded stores, which purge expired values).
 */
export async function openMaintenance(config: StorageSettings, log: Logger): Promise<{ close(): Promise<void> } | undefined> {
  if (!configuredBackend(config).maintainedByOneProcess) return undefined;
  const stores = await openStorage(config, { maintain: true, log });
  return { close: () => closeStores(stores) };
}
