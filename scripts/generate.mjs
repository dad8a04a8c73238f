#!/usr/bin/env node
// Generates server/src/generated/ from openapi/openapi.yaml: the types (openapi-typescript) and the
// runtime contract facts (problem catalogue, session methods, default limits).
// `--check` writes nothing and fails when a committed file differs from what the document gives.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { parse } from 'yaml';
import { refResolver } from './openapi-refs.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const specPath = `${root}openapi/openapi.yaml`;
const outDir = `${root}server/src/generated/`;
const header = '// Generated from openapi/openapi.yaml by scripts/generate.mjs. Do not edit: run `npm run generate`.\n';
const sessionPath = '/sessions/v1/{key}';
const problemMediaType = 'application/problem+json';
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const spec = parse(readFileSync(specPath, 'utf8'));

const resolve = refResolver(spec);

/** Every problem response component, keyed by the last segment of its `type` URI, with the one status that answers it. */
function problemCatalogue() {
  const statuses = new Map();
  for (const pathItem of Object.values(spec.paths)) {
    const responses = httpMethods.flatMap((m) => Object.entries(pathItem[m]?.responses ?? {}));
    const extra = pathItem['x-method-not-allowed'] ? [['405', pathItem['x-method-not-allowed']]] : [];
    for (const [status, response] of [...responses, ...extra]) {
      if (response.$ref === undefined) continue;
      const seen = statuses.get(response.$ref);
      if (seen !== undefined && seen !== Number(status)) {
        throw new Error(`${response.$ref} answers both ${seen} and ${status}`);
      }
      statuses.set(response.$ref, Number(status));
    }
  }
  const catalogue = {};
  for (const [name, response] of Object.entries(spec.components.responses)) {
    const schema = resolve(response.content?.[problemMediaType]?.schema);
    if (schema === undefined) continue;
    const status = statuses.get(`#/components/responses/${name}`);
    if (status === undefined) throw new Error(`problem response ${name} is used by no operation`);
    const type = schema.properties.type.const;
    const headers = Object.entries(response.headers ?? {}).map(([header, spec]) => [header.toLowerCase(), resolve(spec)]);
    catalogue[type.slice(type.lastIndexOf('/') + 1)] = {
      status,
      type,
      title: schema.properties.title.const,
      detail: schema.properties.detail.default,
      headers: constHeaders(response),
      suppliedHeaders: headers.filter(([, spec]) => spec.schema?.const === undefined).map(([header]) => header),
    };
  }
  return catalogue;
}

/** The headers of fixed value (lower-case name: value) a response declares. */
function constHeaders(response) {
  return Object.fromEntries(
    Object.entries(response.headers ?? {})
      .map(([name, spec]) => [name.toLowerCase(), resolve(spec).schema?.const])
      .filter(([, value]) => value !== undefined),
  );
}

/**
 * The headers of fixed value that every response of a path's operations declares, other than problems (whose
 * headers are the catalogue's); the responses of one path must agree, since its routes set them for every answer.
 */
function pathHeaders() {
  return Object.fromEntries(
    Object.entries(spec.paths).map(([path, item]) => {
      const responses = httpMethods.flatMap((m) => Object.entries(item[m]?.responses ?? {}));
      const answers = responses.filter(([, response]) => resolve(response).content?.[problemMediaType] === undefined);
      const headers = answers.map(([status, response]) => [status, JSON.stringify(constHeaders(resolve(response)))]);
      const disagreeing = headers.find(([, fixed]) => fixed !== headers[0][1]);
      if (disagreeing !== undefined) {
        throw new Error(`${path}: the ${disagreeing[0]} response fixes headers ${disagreeing[1]}, another ${headers[0][1]}`);
      }
      return [path, JSON.parse(headers[0]?.[1] ?? '{}')];
    }),
  );
}

/** Each header component's field name (lower case), from the responses that refer to it; one name per component. */
function headerNames() {
  const names = {};
  const responses = [
    ...Object.values(spec.paths).flatMap((item) => httpMethods.flatMap((m) => Object.values(item[m]?.responses ?? {}))),
    ...Object.values(spec.components.responses),
  ];
  for (const response of responses) {
    for (const [field, header] of Object.entries(response.headers ?? {})) {
      if (header.$ref === undefined) continue;
      const component = header.$ref.slice(header.$ref.lastIndexOf('/') + 1);
      const name = field.toLowerCase();
      if (names[component] !== undefined && names[component] !== name) {
        throw new Error(`header ${component} is named both ${names[component]} and ${name}`);
      }
      names[component] = name;
    }
  }
  return names;
}

/** The one media type of the body an operation answers with `status`. */
function mediaTypeOf(operationId, status) {
  for (const pathItem of Object.values(spec.paths)) {
    const operation = httpMethods.map((m) => pathItem[m]).find((op) => op?.operationId === operationId);
    if (operation === undefined) continue;
    const types = Object.keys(resolve(operation.responses[status]).content ?? {});
    if (types.length !== 1) throw new Error(`${operationId} ${status}: expected one media type, found ${types.length}`);
    return types[0];
  }
  throw new Error(`no operation ${operationId}`);
}

/** The session route's methods and the permission each needs, from its operations' \`x-kask-permission\`. */
function sessionPermissions() {
  const pathItem = spec.paths[sessionPath];
  return Object.fromEntries(
    httpMethods
      .filter((m) => pathItem[m] !== undefined)
      .map((m) => {
        const permission = pathItem[m]['x-kask-permission'];
        if (permission === undefined) throw new Error(`${m} ${sessionPath} has no x-kask-permission`);
        return [m.toUpperCase(), permission];
      }),
  );
}

function contractModule() {
  const limits = spec['x-kask-limits'];
  return `${header}
/**
 * Every problem the server answers, by name: status, \`type\` URI, title, default detail, the headers the
 * document fixes (lower-case name: value), and those it requires but leaves the value to the server.
 */
export const problems = ${JSON.stringify(problemCatalogue(), null, 2)} as const;

/** Media types of the bodies the server answers. */
export const mediaTypes = {
  problem: ${JSON.stringify(problemMediaType)},
  sessionValue: ${JSON.stringify(mediaTypeOf('getSession', '200'))},
  openapi: ${JSON.stringify(mediaTypeOf('getOpenApi', '200'))},
} as const;

/** The methods the document declares on each path, in its order (a route's \`Allow\` header). */
export const pathMethods = ${JSON.stringify(
    Object.fromEntries(
      Object.entries(spec.paths).map(([path, item]) => [
        path,
        httpMethods.filter((m) => item[m] !== undefined).map((m) => m.toUpperCase()),
      ]),
    ),
    null,
    2,
  )} as const;

/** The headers of fixed value that every answer of a path other than a problem carries (problems: see \`problems\`). */
export const pathHeaders = ${JSON.stringify(pathHeaders(), null, 2)} as const;

/** The session route as the document writes it; the server mounts it under its configured base_uri. */
export const sessionPathTemplate = ${JSON.stringify(sessionPath)};

/** The methods of the session route, in the document's order (the \`Allow\` header of a 405). */
export const sessionMethods = pathMethods[sessionPathTemplate];

/** The permission each method of the session route needs from a listed client (\`x-kask-permission\`). */
export const sessionPermissions = ${JSON.stringify(sessionPermissions(), null, 2)} as const;

/** Defaults of the configurable limits. */
export const defaultLimits = {
  maxKeyBytes: ${spec.components.parameters.Key.schema.maxLength},
  maxValueBytes: ${limits.max_value_bytes},
} as const;

/** More header fields than this answer 431, whatever Node's own limit (not configurable). */
export const maxHeaderFields = ${limits.max_header_fields};

/** The field name of each header component, as the document's responses name it (\`KaskTTL\` -> \`kask-ttl\`). */
export const headerNames = ${JSON.stringify(headerNames(), null, 2)} as const;

/** What a namespace's name may be (it is also a metric label, a CQL table name and an LMDB database name). */
export const namespaceNamePattern = new RegExp(${JSON.stringify(spec.components.schemas.NamespaceAvailability.propertyNames.pattern)});
`;
}

async function typesModule() {
  const ast = await openapiTS(new URL(`file://${specPath}`));
  return `${header}${astToString(ast)}`;
}

const files = { 'openapi.ts': await typesModule(), 'contract.ts': contractModule() };
const check = process.argv.includes('--check');
let stale = false;
for (const [name, text] of Object.entries(files)) {
  const path = outDir + name;
  if (!check) {
    writeFileSync(path, text);
    continue;
  }
  let committed = '';
  try {
    committed = readFileSync(path, 'utf8');
  } catch {}
  if (committed !== text) {
    console.error(`server/src/generated/${name} is stale: run \`npm run generate\` and commit the result.`);
    stale = true;
  }
}
if (stale) process.exit(1);
