import { type RequestListener, request, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { mediaTypes, problems } from '../server/src/generated/contract.ts';
import { type Refusal, routeRequest } from './request-targets.ts';

// Headers of one connection rather than of the request; `Expect: 100-continue` was answered by the front.
const hopByHop = new Set(['connection', 'keep-alive', 'expect']);
// And those that frame a body, for an answer whose body the front replaces.
const hopByHopAndFraming = new Set([...hopByHop, 'content-length', 'transfer-encoding']);

/** Raw headers (name, value, name, value...) without those of one connection (or others, `dropped`). */
function endToEnd(rawHeaders: readonly string[], dropped: ReadonlySet<string> = hopByHop): string[] {
  const kept: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (!dropped.has(name.toLowerCase())) kept.push(name, rawHeaders[i + 1] as string);
  }
  return kept;
}

/** Answers the server's problem; the log line names the method and the problem, never the path (it holds the key). */
function refuse(method: string, response: ServerResponse, { problem: name, detail, instance }: Refusal): void {
  const problem = problems[name];
  const problemDetail = detail ?? problem.detail;
  console.log(`[MOCK] ${method} answered ${problem.status} as the server answers its request target: ${problemDetail}`);
  response.writeHead(problem.status, { 'content-type': mediaTypes.problem, ...problem.headers });
  response.end(JSON.stringify({ type: problem.type, title: problem.title, detail: problemDetail, instance }));
}

/**
 * The mock's front: refuses what the server refuses for its request target alone, and forwards every other
 * request to Prism on `prismPort` of 127.0.0.1, with the target the server would read, headers and body as
 * they came, and relays Prism's answer; but for Prism's 200 to `/openapi`, whose body is `document` (the
 * text of the OpenAPI document), as the server's.
 */
export function front(prismPort: number, document: Buffer): RequestListener {
  return (incoming, outgoing) => {
    const method = incoming.method ?? 'GET';
    const routing = routeRequest(method, incoming.url ?? '/');
    if (!('forward' in routing)) return refuse(method, outgoing, routing);
    // NOTE: Prism answers a HEAD with Content-Length: 0, and 500 when the example it picks has content (every
    // problem): Prism gets HEAD as a GET, and Node drops the content of the answer to a HEAD, so HEAD has GET's
    // status and headers, as the server's HEAD does.
    const forwarded = method === 'HEAD' ? 'GET' : method;
    const toPrism = request(
      // A connection per request: a reused one could be closing on Prism's side (keep-alive timeout) as it is sent.
      {
        host: '127.0.0.1',
        port: prismPort,
        method: forwarded,
        path: routing.forward,
        headers: endToEnd(incoming.rawHeaders),
        agent: false,
      },
      (answer) => {
        // NOTE: the document declares `/openapi`'s 200 content as a string without an example, so Prism makes one
        // up (`string`): the front answers the document instead, with the rest of Prism's answer.
        if (routing.forward.split('?', 1)[0] === '/openapi' && answer.statusCode === 200) {
          answer.resume();
          outgoing.writeHead(200, [
            ...endToEnd(answer.rawHeaders, hopByHopAndFraming),
            'Content-Length',
            String(document.length),
          ]);
          outgoing.end(document);
          return;
        }
        outgoing.writeHead(answer.statusCode ?? 502, endToEnd(answer.rawHeaders));
        pipeline(answer, outgoing, () => {});
      },
    );
    // Prism gone, or the client: the other side's connection is closed too.
    toPrism.on('error', () => outgoing.destroy());
    pipeline(incoming, toPrism, () => {});
  };
}
