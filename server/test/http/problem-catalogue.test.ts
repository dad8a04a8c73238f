import type { InjectOptions } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { configFrom } from '../../src/config/load.js';
import { maxHeaderFields, mediaTypes, problems } from '../../src/generated/contract.js';
import { type ProblemName, problemHeaders } from '../../src/http/problems.js';
import { prepareService } from '../../src/start-up.js';
import { StorageError } from '../../src/storage/storage.js';
import { testBuild as build } from '../support/build.js';
import { FakeStorage, inDefaultNamespace } from '../support/fake-storage.js';

const existing = '/sessions/v1/existing';

/** A request that makes the server answer one problem, and the storage it meets. */
interface Provocation {
  readonly request: InjectOptions;
  readonly storageFails?: StorageError;
  /** Configuration keys beyond the test's own. */
  readonly config?: Record<string, unknown>;
  /** A request sent first, which leaves the server in the state that answers the problem. */
  readonly preceded?: InjectOptions;
}

// A server that lists its clients, identified here by the header its trusted proxy (inject's address) adds.
const listingClients = { trusted_proxy: ['127.0.0.1'], clients: { reader: { default: ['read'] } } };

// One request for each problem of the document. Being a Record over the generated catalogue's names, a problem
// added to the document does not compile until it has a request here, and a name the document lacks does not
// compile at all; the test below then shows that the server really answers each one.
const provocations: Record<ProblemName, Provocation> = {
  bad_request: { request: { method: 'POST', url: existing, payload: '' } },
  not_authorized: { request: { method: 'GET', url: existing }, config: listingClients },
  forbidden: {
    request: { method: 'POST', url: existing, payload: 'v', headers: { 'x-forwarded-client-cert': 'Subject="CN=reader"' } },
    config: listingClients,
  },
  not_found: { request: { method: 'GET', url: '/sessions/v1/absent' } },
  method_not_allowed: { request: { method: 'OPTIONS', url: existing } },
  payload_too_large: { request: { method: 'POST', url: existing, payload: 'more than sixteen bytes' } },
  request_header_fields_too_large: {
    request: {
      method: 'GET',
      url: existing,
      headers: Object.fromEntries(Array.from({ length: maxHeaderFields }, (_, field) => [`x-field-${field}`, '1'])),
    },
  },
  not_implemented: {
    request: { method: 'POST', url: existing, payload: 'v', headers: { 'transfer-encoding': 'gzip, chunked' } },
  },
  conflict: { request: { method: 'PUT', url: existing, payload: 'v' } },
  precondition_failed: { request: { method: 'POST', url: existing, payload: 'v', headers: { 'if-match': '"other"' } } },
  server_error: { request: { method: 'GET', url: existing }, storageFails: new StorageError('fault', 'bug') },
  too_many_requests: {
    request: { method: 'GET', url: existing },
    preceded: { method: 'GET', url: existing },
    config: { limits: { reads: { per_second: 1 } } },
  },
  service_unavailable: { request: { method: 'GET', url: existing }, storageFails: new StorageError('unavailable', 'down') },
};

async function answerTo({ request, storageFails, config: keys, preceded }: Provocation) {
  const storage = new FakeStorage();
  storage.values.set('existing', { value: Buffer.from('stored'), ttl: 60, expiresAt: Date.now() + 60_000 });
  storage.failure = storageFails;
  const config = configFrom({ base_uri: '/sessions/v1/', max_value_bytes: 16, ...keys });
  const { fastify } = buildApp({
    ...prepareService(config),
    storage: inDefaultNamespace(storage),
    build,
    logger: pino({ level: 'silent' }),
    clustered: false,
  });
  try {
    if (preceded !== undefined) await fastify.inject(preceded);
    return await fastify.inject(request);
  } finally {
    await fastify.close();
  }
}

describe('the problem catalogue', () => {
  it('has a provoking request for exactly the problems of the document', () => {
    expect(Object.keys(provocations).sort()).toEqual(Object.keys(problems).sort());
  });

  it.each(Object.entries(provocations))(
    'the server answers the problem %s as the document describes it',
    async (name, provocation) => {
      const problem = problems[name as ProblemName];
      const response = await answerTo(provocation);
      expect(response.statusCode).toBe(problem.status);
      // fastify adds the charset of the JSON text.
      expect(response.headers['content-type']).toBe(`${mediaTypes.problem}; charset=utf-8`);
      for (const [header, value] of Object.entries(problemHeaders(name as ProblemName))) {
        if (header !== 'content-type') expect(response.headers[header], header).toBe(String(value));
      }
      expect(response.json()).toMatchObject({ type: problem.type, title: problem.title });
      // A problem names the key it is about, a credential: no cache in between may keep it.
      expect(response.headers['cache-control']).toBe('no-store');
    },
  );

  it('every problem type lives under Kask’s error URI base', () => {
    for (const [name, problem] of Object.entries(problems)) {
      expect(problem.type).toBe(`https://www.mediawiki.org/wiki/Kask/errors/${name}`);
    }
  });
});
