import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { refResolver } from '../../scripts/openapi-refs.mjs';

/** A node of the OpenAPI document. */
export type Json = Record<string, unknown>;

/** openapi/openapi.yaml, parsed. */
export const spec = parse(readFileSync(new URL('../../openapi/openapi.yaml', import.meta.url), 'utf8')) as Json;

/** `node`, or what its `$ref` points to in the document (followed to the end). */
export const resolve = refResolver(spec);

/** The session route as the document writes it; a server mounts it under its base path. */
export const sessionPathTemplate = '/sessions/v1/{key}';

/** The methods an OpenAPI path item may declare, in upper case. */
export const httpMethods = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'];

/** The methods the document declares on the session route, in its order (what `Allow` lists). */
export const sessionMethods = httpMethods.filter(
  (method) => (spec.paths as Record<string, Json>)[sessionPathTemplate]?.[method.toLowerCase()] !== undefined,
);

/** Methods the document does not declare on the session route, among those a client might try. */
export const undeclaredSessionMethods = ['PUT', 'PATCH', 'OPTIONS'].filter((method) => !sessionMethods.includes(method));
