import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configFrom } from '../../src/config/load.js';
import { openApiDocument } from '../../src/document/openapi-document.js';
import { ConfigError } from '../../src/validation/rules.js';

const kaskOpenApi = fileURLToPath(new URL('../fixtures/kask-openapi.yaml', import.meta.url));

function templateFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kask-openapi-')), 'openapi.yaml');
  writeFileSync(path, text);
  return path;
}

describe('openapi_spec: the document served at /openapi', () => {
  it("renders Kask's openapi.yaml with base_uri, so service-checker's x-amples reach the session route", () => {
    const document = parse(openApiDocument(configFrom({ base_uri: 'sessions/v1', openapi_spec: kaskOpenApi })));
    const sessionPath = document.paths['/sessions/v1/{key}'];
    expect(Object.keys(document.paths)).toEqual(['/sessions/v1/{key}']);
    expect(sessionPath.post['x-amples'][0].request).toMatchObject({
      params: { key: 'KASK:K:INTEGRATION_TEST_KEY' },
      body: 'KASK:V:INTEGRATION_TEST_VALUE',
    });
    expect(sessionPath.get['x-amples'][0].response).toMatchObject({ status: 200, body: 'KASK:V:INTEGRATION_TEST_VALUE' });
  });

  it("renders every field of Kask's configuration as Go prints it; unset ones are empty", () => {
    const template = templateFile(
      '{{ .ServiceName }}|{{ .Address }}:{{ .Port }}|{{ .DefaultTTL }}|{{ .LogLevel }}|{{ .TLS.CertPath }}|' +
        '{{ .Cassandra.Hosts }}|{{ .Cassandra.Port }}|{{ .Cassandra.Keyspace }}.{{ .Cassandra.Table }}|{{ .Cassandra.LocalDC }}|' +
        '{{ .Cassandra.QueryTimeout }}|{{ .Cassandra.ConnectTimeout }}|{{ .Cassandra.TLS.CaPath }}|{{ .Cassandra.Authentication.Username }}',
    );
    const config = configFrom({
      service_name: 'echostore',
      listen_address: '0.0.0.0',
      default_ttl: 31536000,
      openapi_spec: template,
      cassandra: { hosts: ['c1', 'c2'], keyspace: 'echostore', authentication: { username: 'u', password: 'p' } },
    });
    expect(openApiDocument(config)).toBe('echostore|0.0.0.0:8080|31536000|info||[c1 c2]|9042|echostore.values||12000|5000||u');
  });

  it("with namespaces, .BaseURI and .DefaultTTL are the first namespace's, the route the document describes", () => {
    const config = configFrom({
      default_ttl: 86400,
      openapi_spec: templateFile('{{ .BaseURI }}|{{ .DefaultTTL }}'),
      namespaces: { sessions: { base_uri: '/s/', default_ttl: 60 }, other: { base_uri: '/o/' } },
    });
    expect(openApiDocument(config)).toBe('/s/|60');
  });

  it('never serves the Cassandra password: a template that asks for it is refused', () => {
    const file = { openapi_spec: templateFile('{{ .Cassandra.Authentication.Password }}') };
    expect(() =>
      openApiDocument(configFrom({ ...file, cassandra: { authentication: { username: 'u', password: 'p' } } })),
    ).toThrow('there is no field Password');
  });

  it('a relative path is taken from the working directory, as Kask does', () => {
    const directory = mkdtempSync(join(tmpdir(), 'kask-cwd-'));
    writeFileSync(join(directory, 'openapi.yaml'), 'base: {{ .BaseURI }}\n');
    const previous = process.cwd();
    process.chdir(directory);
    try {
      expect(openApiDocument(configFrom({ base_uri: 'echoseen/v1', openapi_spec: 'openapi.yaml' }))).toBe(
        'base: /echoseen/v1/\n',
      );
    } finally {
      process.chdir(previous);
    }
  });

  it.each([
    ['a missing file', () => '/nonexistent/openapi.yaml', 'openapi_spec: cannot read /nonexistent/openapi.yaml'],
    ['a directory', () => tmpdir(), `openapi_spec: cannot read ${tmpdir()}`],
    ['an unknown field', () => templateFile('a\n{{ .Nope }}'), 'line 2: {{ .Nope }}: there is no field Nope'],
    ['an unsupported action', () => templateFile('{{ range .Cassandra.Hosts }}'), 'is not supported'],
  ])('%s is a configuration error naming openapi_spec', (_name, path, message) => {
    const file = { openapi_spec: path() };
    const rendered = () => openApiDocument(configFrom(file));
    expect(rendered).toThrow(ConfigError);
    expect(rendered).toThrow(/^openapi_spec: /);
    expect(rendered).toThrow(message);
  });

  it('without openapi_spec, our document is served with the session route under base_uri', () => {
    const document = parse(openApiDocument(configFrom({ base_uri: 'echoseen/v1' })));
    expect(document.paths['/echoseen/v1/{key}']).toBeDefined();
    expect(document.paths['/sessions/v1/{key}']).toBeUndefined();
  });
});
