import { describe, expect, it } from 'vitest';
import { renderGoTemplate, TemplateError } from '../../src/document/go-template.js';

const data = {
  BaseURI: '/sessions/v1/',
  Port: 8080,
  Debug: false,
  Cassandra: { Hosts: ['cassandra-1', 'cassandra-2'], Keyspace: 'sessions' },
};

describe("Go's text/template, the part Kask's openapi.yaml uses", () => {
  it('prints fields and field chains as Go does: strings, integers, booleans, lists', () => {
    expect(renderGoTemplate('{{ .BaseURI }} {{.Port}} {{ .Debug }} {{ .Cassandra.Hosts }} {{ .Cassandra.Keyspace }}', data)).toBe(
      '/sessions/v1/ 8080 false [cassandra-1 cassandra-2] sessions',
    );
  });

  it("renders Kask's session path: {{- and -}} trim the white space around the action, not the quotes", () => {
    expect(renderGoTemplate('paths:\n  "{{- .BaseURI -}}{key}":\n', data)).toBe('paths:\n  "/sessions/v1/{key}":\n');
    expect(renderGoTemplate('a \n\t {{- .Port -}} \r\n b', data)).toBe('a8080b');
    expect(renderGoTemplate('a {{ .Port }} b', data)).toBe('a 8080 b');
  });

  it('trims only the text next to the marker, never what another action printed', () => {
    expect(renderGoTemplate('{{ .Port }} {{- .Port }}', data)).toBe('80808080');
    expect(renderGoTemplate('x {{ .Port -}} {{ .Port }} y', data)).toBe('x 80808080 y');
  });

  it('drops comments, with or without trim markers', () => {
    expect(renderGoTemplate('a {{/* note */}} b {{- /* trimmed */ -}} c', data)).toBe('a  bc');
  });

  it('leaves a text without actions as it is', () => {
    expect(renderGoTemplate('openapi: 3.1.0\n  /sessions/v1/{key}:\n', data)).toBe('openapi: 3.1.0\n  /sessions/v1/{key}:\n');
  });

  it.each([
    ['a field that does not exist', 'x\n{{ .Nope }}', 'line 2: {{ .Nope }}: there is no field Nope'],
    ['a field of a value', '{{ .BaseURI.Path }}', 'line 1: {{ .BaseURI.Path }}: there is no field Path'],
    ['a section printed whole', '{{ .Cassandra }}', 'line 1: {{ .Cassandra }} is a section, not a value'],
    ['the whole data', '{{ . }}', 'line 1: {{ . }} is not supported'],
    ['a pipeline', '{{ .BaseURI | printf "%q" }}', 'is not supported'],
    ['a control action', '{{ if .Debug }}x{{ end }}', 'line 1: {{ if .Debug }} is not supported'],
    ['a number, which "{{-3}}" is in Go', '{{-3}}', '{{ -3 }} is not supported'],
    ['an unclosed action', 'a\nb {{ .BaseURI', 'line 2: unclosed action'],
  ])('%s is an error naming the line, never output', (_name, template, message) => {
    expect(() => renderGoTemplate(template, data)).toThrow(TemplateError);
    expect(() => renderGoTemplate(template, data)).toThrow(message);
  });
});
