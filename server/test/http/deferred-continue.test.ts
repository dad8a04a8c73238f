import { describe, expect, it } from 'vitest';
import { listeningAppsClosedAfterEach } from '../support/listening-app.js';
import { onOneConnection, statuses } from '../support/raw-connection.js';

const listen = listeningAppsClosedAfterEach();

/** The head of a POST of `bytes` bytes that waits for 100 Continue, from `client` through a trusted proxy. */
function expecting(path: string, bytes: number, client?: string): string {
  const identity = client === undefined ? '' : `X-Forwarded-Client-Cert: Subject="CN=${client}"\r\n`;
  return `POST ${path} HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: ${bytes}\r\n${identity}\r\n`;
}

/** A last request on the connection, so that the server closes it. */
const closing = 'GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n';

const limited = {
  trusted_proxy: ['127.0.0.1'],
  clients: { writer: { default: ['read', 'write', 'delete'] } },
  limits: { key_writes_per_second: 1 },
};

describe('Expect: 100-continue', () => {
  it('a request every check before the body admits is told to continue, and its body is stored', async () => {
    const port = await listen(limited);
    const answers = await onOneConnection(
      port,
      `${expecting('/sessions/v1/continued', 5, 'writer')}value${'GET /sessions/v1/continued HTTP/1.1\r\nHost: test\r\nConnection: close\r\nX-Forwarded-Client-Cert: Subject="CN=writer"\r\n\r\n'}`,
    );
    expect(statuses(answers)).toEqual([100, 201, 200]);
    expect(answers[2]?.body).toBe('value');
  });

  it('a request refused before its body (401, 403, 413, 429) is answered without 100 Continue, and closes', async () => {
    const port = await listen({ ...limited, max_value_bytes: 100 });
    await onOneConnection(port, `${expecting('/sessions/v1/capped', 1, 'writer')}v${closing}`);
    const refusals: [string, number, string | undefined, number][] = [
      ['/sessions/v1/anonymous', 5, undefined, 401],
      ['/sessions/v1/stranger', 5, 'stranger', 403],
      ['/sessions/v1/large', 101, 'writer', 413],
      ['/sessions/v1/capped', 5, 'writer', 429],
    ];
    for (const [path, bytes, client, status] of refusals) {
      // The body never follows, and a request after the head would be read as one: the connection must close.
      const answers = await onOneConnection(port, `${expecting(path, bytes, client)}`);
      expect(statuses(answers), path).toEqual([status]);
      expect(answers[0]?.head.toLowerCase(), path).toContain('connection: close');
    }
  });
});
