import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/load.js';
import { sessionPathTemplate } from '../generated/contract.js';
import { fail } from '../validation/rules.js';
import { renderGoTemplate, type TemplateData } from './go-template.js';

const builtInDocument = fileURLToPath(new URL('../../../openapi/openapi.yaml', import.meta.url));

/**
 * The fields of Kask's `Config` struct (Kask's config.go), which Kask hands to its openapi.yaml template, with
 * our values: what Go would print for them (`BaseURI` with its slashes added; "" and 0 for what is unset).
 */
function kaskConfigFields(file: Config, baseUri: string, defaultTtl: number): TemplateData {
  const { tls, cassandra } = file;
  return {
    ServiceName: file.service_name,
    BaseURI: baseUri,
    Address: file.listen_address,
    Port: file.listen_port,
    DefaultTTL: defaultTtl,
    LogLevel: file.log_level,
    OpenAPISpec: file.openapi_spec ?? '',
    TLS: { CertPath: tls.cert ?? '', KeyPath: tls.key ?? '' },
    Cassandra: {
      Hosts: cassandra.hosts,
      Port: cassandra.port,
      Keyspace: cassandra.keyspace,
      Table: cassandra.table,
      LocalDC: cassandra.local_dc ?? '',
      QueryTimeout: cassandra.query_timeout_ms,
      ConnectTimeout: cassandra.connect_timeout_ms,
      TLS: { CaPath: cassandra.tls.ca ?? '', CertPath: cassandra.tls.cert ?? '', KeyPath: cassandra.tls.key ?? '' },
      // NOTE: Kask would also print .Authentication.Password into a document anyone may fetch; a credential is
      // never served, so here that field does not exist and a template that asks for it is refused.
      Authentication: { Username: cassandra.authentication.username ?? '' },
    },
  };
}

/** A JSON pointer to a path item, in a URI fragment (RFC 6901 sections 4 and 6). */
function pathItemPointer(path: string): string {
  return `#/paths/${encodeURIComponent(path.replaceAll('~', '~0').replaceAll('/', '~1'))}`;
}

/**
 * The document served at /openapi: ours, or the `openapi_spec` file rendered as Kask renders it (a Go
 * template over Kask's configuration, whose `.BaseURI` and `.DefaultTTL` are the first namespace's; a relative
 * path is taken from the working directory, as Kask's os.ReadFile does). In both, our session path moves under
 * the first namespace's `base_uri`, and every other namespace's path refers to it: one route, described once.
 * Rendered at start-up: a file that cannot be is a ConfigError naming `openapi_spec`.
 */
export function openApiDocument(config: Config): string {
  const [first, ...others] = config.namespaces;
  if (first === undefined) throw new Error('no namespace to describe');
  const baseUri = first.base_uri;
  let text: string;
  if (config.openapi_spec === undefined) {
    text = readFileSync(builtInDocument, 'utf8');
  } else {
    const path = resolve(config.openapi_spec);
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      fail('openapi_spec', `cannot read ${path}: ${(error as Error).message}`);
    }
    try {
      text = renderGoTemplate(text, kaskConfigFields(config, baseUri, first.default_ttl));
    } catch (error) {
      fail('openapi_spec', `${path} ${(error as Error).message}`);
    }
  }
  const sessionPath = `${baseUri}{key}`;
  const references = others.map((other) => `\n  ${other.base_uri}{key}:\n    $ref: "${pathItemPointer(sessionPath)}"`);
  return text.replace(`\n  ${sessionPathTemplate}:`, `${references.join('')}\n  ${sessionPath}:`);
}
