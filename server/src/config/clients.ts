import { comparedName } from '../auth/client-names.js';
import { type ClientPermissions, type Permission, permissionNames } from '../auth/permissions.js';
import { anonymousClient, unlistedClient } from '../metrics/client-labels.js';
import { fail, isMapping, type Rule, stringList } from '../validation/rules.js';

// The keys that list clients by identity (clients, metrics_clients), and the checks across them.

/**
 * Each of `identities` -> the form it is compared in (client-names.ts: lower-cased where DNS and URIs ignore
 * case); two that are one client are refused, naming `key`.
 */
export function comparedIdentities(identities: readonly string[], key: string): ReadonlyMap<string, string> {
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
export function identityList(description: string): Rule<readonly string[] | undefined> {
  const list = stringList(description, undefined);
  return {
    description,
    default: undefined,
    parse(value, key, origin) {
      const identities = list.parse(value, key, origin);
      return identities === undefined ? undefined : Object.freeze([...comparedIdentities(identities, key).values()]);
    },
  };
}

export function clientPermissions(description: string): Rule<ClientPermissions | undefined> {
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

/** The keys the client checks read. */
interface ClientSettings {
  readonly clients: ClientPermissions | undefined;
  readonly metrics_clients: readonly string[] | undefined;
  readonly tls: { readonly client_ca: string | undefined };
  readonly trusted_proxy: readonly string[] | undefined;
}

/** Clients can be identified, and are listed with permissions in namespaces that exist. */
export function checkClients(parsed: ClientSettings, namespaceNames: readonly string[]): void {
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
