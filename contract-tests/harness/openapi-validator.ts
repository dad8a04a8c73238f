import { Ajv2020 } from 'ajv/dist/2020.js';
import { type Json, resolve, sessionPathTemplate, spec } from './spec.js';

// Validates responses against openapi/openapi.yaml: the status is declared for the operation, the
// Content-Type is one it declares, required headers are present and valid, and the body matches the schema.

const specId = 'openapi.json';

// OpenAPI documents carry keywords Ajv does not know (example, discriminator...): strict mode is off for them.
const ajv = new Ajv2020({ strict: false, allErrors: true, formats: { uri: /^[a-z][a-z0-9+.-]*:\S+$/i } });
ajv.addSchema(spec, specId);

/** A response as the contract suite received it. */
export interface ReceivedResponse {
  readonly method: string;
  /** The request path as sent, without the base path's prefix mapped (e.g. `/v1/abc` on a Kask default). */
  readonly path: string;
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

interface ResponseObject {
  headers?: Record<string, { required?: boolean; schema?: Json; $ref?: string }>;
  content?: Record<string, { schema?: Json }>;
}

/** The spec's response object for this request and status, or a message saying why there is none. */
function declaredResponse(received: ReceivedResponse, basePath: string): ResponseObject | string {
  const paths = spec.paths as Record<string, Json>;
  const rawPath = received.path.split('?')[0] as string;
  let pathItem: Json | undefined;
  if (rawPath.startsWith(basePath)) {
    const segment = rawPath.slice(basePath.length);
    // Paths under the base that are not one segment match no operation: the spec answers them 404.
    if (segment === '' || segment.includes('/')) pathItem = undefined;
    else pathItem = paths[sessionPathTemplate];
  } else {
    pathItem = paths[rawPath];
  }
  if (pathItem === undefined) {
    return received.status === 404
      ? resolve<ResponseObject>({ $ref: '#/components/responses/NotFound' } as ResponseObject)
      : `no path of the spec matches ${rawPath}`;
  }
  const operation = pathItem[received.method.toLowerCase()] as { responses: Record<string, ResponseObject> } | undefined;
  if (operation === undefined) {
    const notAllowed = pathItem['x-method-not-allowed'] as ResponseObject | undefined;
    if (notAllowed !== undefined && received.status === 405) return resolve(notAllowed);
    return `${received.method} is not an operation of ${rawPath} and the answer was ${received.status}`;
  }
  const response = operation.responses[String(received.status)] ?? operation.responses.default;
  if (response === undefined) {
    return `status ${received.status} is not declared for ${received.method} ${rawPath} (declared: ${Object.keys(operation.responses).join(', ')})`;
  }
  return resolve(response);
}

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

function schemaErrors(schema: Json, value: unknown): string | undefined {
  // Inline schemas may $ref the document's components: they are resolved against the document's id.
  const text = JSON.stringify(schema).replaceAll('"$ref":"#/', `"$ref":"${specId}#/`);
  let validate = compiled.get(text);
  if (validate === undefined) {
    validate = ajv.compile(JSON.parse(text));
    compiled.set(text, validate);
  }
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}

function mediaType(contentType: string | string[] | undefined): string | undefined {
  if (typeof contentType !== 'string') return undefined;
  return contentType.split(';')[0]?.trim().toLowerCase();
}

function matchesMedia(declared: string, actual: string): boolean {
  if (declared === '*/*' || declared === actual) return true;
  return declared.endsWith('/*') && actual.startsWith(declared.slice(0, -1));
}

/** Every way `received` breaks the OpenAPI document; empty when it conforms. */
export function contractViolations(received: ReceivedResponse, basePath: string): string[] {
  const declared = declaredResponse(received, basePath);
  if (typeof declared === 'string') return [declared];
  const violations: string[] = [];
  for (const [name, header] of Object.entries(declared.headers ?? {})) {
    const definition = resolve(header);
    const value = received.headers[name.toLowerCase()];
    if (value === undefined) {
      if (definition.required) violations.push(`required header ${name} is missing`);
      continue;
    }
    if (definition.schema !== undefined) {
      const schema = definition.schema;
      const typed = schema.type === 'integer' && /^\d+$/.test(String(value)) ? Number(value) : value;
      const error = schemaErrors(schema, typed);
      if (error !== undefined) violations.push(`header ${name}: ${error}`);
    }
  }
  const content = declared.content;
  // A response to HEAD has the headers of the response it stands for, and never a body.
  if (received.method === 'HEAD') {
    if (received.body.length > 0) violations.push(`a response to HEAD has a body of ${received.body.length} bytes`);
    return violations;
  }
  if (content === undefined) {
    if (received.body.length > 0)
      violations.push(`status ${received.status} declares no body, got ${received.body.length} bytes`);
    return violations;
  }
  const actual = mediaType(received.headers['content-type']);
  const entry = Object.entries(content).find(([declaredType]) => actual !== undefined && matchesMedia(declaredType, actual));
  if (entry === undefined) {
    violations.push(`Content-Type ${actual} is not one of ${Object.keys(content).join(', ')}`);
    return violations;
  }
  const [type, { schema }] = entry;
  if (schema !== undefined && (type.endsWith('json') || type.endsWith('+json'))) {
    let body: unknown;
    try {
      body = JSON.parse(received.body.toString('utf8'));
    } catch {
      violations.push(`body is not JSON though declared ${type}`);
      return violations;
    }
    const error = schemaErrors(schema, body);
    if (error !== undefined) violations.push(`body: ${error}`);
  }
  return violations;
}
