import type { Config } from './config/load.js';
import { openApiDocument } from './document/openapi-document.js';
import { hasTls, secureContextOptions } from './http/tls.js';
import { ConfigError } from './validation/rules.js';

/** The configuration, and what start-up makes of it before anything serves. */
export interface ServiceStart {
  readonly config: Config;
  /** The document served at /openapi. */
  readonly document: string;
}

/**
 * What start-up checks beside loading the file, before anything serves: the document /openapi serves is rendered,
 * and the TLS files make a context (they are read again when the server starts and on SIGHUP). Throws a
 * ConfigError naming the key, as loading does.
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
  return { config, document };
}
