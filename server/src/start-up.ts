import { isIPv6 } from 'node:net';
import type { Config } from './config/load.js';
import { openApiDocument } from './document/openapi-document.js';
import { hasTls, secureContextOptions } from './http/tls.js';
import { readInsightSecret } from './insight/key-writes.js';
import { configuredBackend } from './storage/registry.js';
import { ConfigError } from './validation/rules.js';

/** A namespace as the start-up log shows it to an operator: where it answers, and where its values are. */
export interface ServedNamespace {
  /** Its session route's full URL, e.g. http://localhost:8081/sessions/v1/. */
  readonly url: string;
  /** Where its values are, as its backend describes them (the embedded store's absolute path). */
  readonly store: string;
}

/** The configuration, and what start-up makes of it before anything serves. */
export interface ServiceStart {
  readonly config: Config;
  /** The document served at /openapi. */
  readonly document: string;
  /** Every namespace by name, for the start-up log: a file with Kask's defaults serves /v1/ on 8080, and says so. */
  readonly namespaces: Readonly<Record<string, ServedNamespace>>;
  /** The secret of the keyed hash insight shows keys as (`insight.secret_file`); undefined: no key is followed. */
  readonly insightSecret: Buffer | undefined;
}

/** Where each namespace answers and keeps its values. */
function servedNamespaces(config: Config): Record<string, ServedNamespace> {
  const scheme = hasTls(config.tls) ? 'https' : 'http';
  const host = isIPv6(config.listen_address) ? `[${config.listen_address}]` : config.listen_address;
  const backend = configuredBackend(config);
  return Object.fromEntries(
    config.namespaces.map((namespace) => [
      namespace.name,
      { url: `${scheme}://${host}:${namespace.listen_port}${namespace.base_uri}`, store: backend.describe(namespace) },
    ]),
  );
}

/**
 * What start-up checks beside loading the file, before anything serves: the document /openapi serves is rendered,
 * the TLS files make a context (they are read again when the server starts and on SIGHUP), and insight's secret is
 * read. Throws a ConfigError naming the key, as loading does.
 */
export function prepareService(config: Config): ServiceStart {
  const document = openApiDocument(config);
  if (hasTls(config.tls)) {
    try {
      secureContextOptions(config.tls);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  const secretFile = config.insight.secret_file;
  return {
    config,
    document,
    namespaces: servedNamespaces(config),
    insightSecret: secretFile === undefined ? undefined : readInsightSecret(secretFile),
  };
}
