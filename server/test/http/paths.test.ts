import { describe, expect, it } from 'vitest';
import { originForm } from '../../src/http/paths.js';

describe('originForm', () => {
  it.each([
    ['http://127.0.0.1:8081/sessions/v1/abs', '/sessions/v1/abs'],
    ['HTTPS://example.org/sessions/v1/abs?', '/sessions/v1/abs?'],
    ['http://user@host:1/healthz?x=1', '/healthz?x=1'],
    ['http://host', '/'],
    ['http://host?x', '/?x'],
    ['/sessions/v1/http://x', '/sessions/v1/http://x'],
    ['*', '*'],
  ])('%s is %s', (url, expected) => {
    expect(originForm(url)).toBe(expected);
  });
});
