import { request } from 'node:http';
import { expect } from 'vitest';
import { childPids } from '../../../test-support/child-process.js';
import type { ServerProcess } from '../../../test-support/server-process.js';
import { mediaTypes } from '../../src/generated/contract.js';

// Writers filling a store until it refuses them, and readers while they do: what the full-disk tests of every backend
// share.

const insufficientStorage = 'https://www.mediawiki.org/wiki/Kask/errors/insufficient_storage';

/** A POST's answer: its status (0 when the connection failed), content type and, for a problem, its type and detail. */
export interface PostAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly type?: string;
  readonly detail?: string;
}

/** POSTs `body` on a connection of its own, which any worker may take. */
export function post(url: string, body: Buffer | string): Promise<PostAnswer> {
  return new Promise((resolve) => {
    const sent = request(url, { method: 'POST', agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const problem = status === 201 ? {} : (JSON.parse(Buffer.concat(chunks).toString()) as object);
        resolve({ status, contentType: response.headers['content-type'] ?? '', ...problem });
      });
    });
    sent.on('error', (error) => resolve({ status: 0, type: String(error), contentType: '' }));
    sent.end(body);
  });
}

/** What writers were answered, by key. */
export interface Tally {
  acknowledged: string[];
  refused: string[];
  /** Answers that are neither 201 nor the document's 507: none is expected. */
  unexpected: string[];
}

/** How writers fill: the value of each key, and when each writer stops. */
export interface Filling {
  readonly valueFor: (key: string) => Buffer;
  /** A writer stops after this many refusals, or this many writes. */
  readonly refusalsPerWriter: number;
  readonly writesPerWriter: number;
}

/** One writer: distinct keys under `baseUrl`, one after the other, until the store has refused it a few times. */
export async function writeUntilRefused(baseUrl: string, writer: number, filling: Filling, tally: Tally): Promise<void> {
  let refusals = 0;
  for (let i = 0; i < filling.writesPerWriter && refusals < filling.refusalsPerWriter; i++) {
    const key = `writer-${writer}-${i}`;
    const answer = await post(`${baseUrl}${key}`, filling.valueFor(key));
    if (answer.status === 201) tally.acknowledged.push(key);
    else if (answer.status === 507 && answer.type === insufficientStorage && answer.contentType.startsWith(mediaTypes.problem)) {
      tally.refused.push(key);
      refusals++;
    } else tally.unexpected.push(`${key}: ${answer.status} ${answer.type}`);
  }
}

/** Reads `keys` over and over until `done`; counts the reads and every one that was not the value written. */
export async function readWhile(
  baseUrl: string,
  keys: readonly string[],
  valueFor: (key: string) => Buffer,
  done: () => boolean,
): Promise<{ reads: number; failures: string[] }> {
  let reads = 0;
  const failures: string[] = [];
  while (!done()) {
    for (const key of keys) {
      const response = await fetch(`${baseUrl}${key}`).catch(() => undefined);
      const body = response === undefined ? undefined : Buffer.from(await response.arrayBuffer());
      reads++;
      if (response?.status !== 200 || !body?.equals(valueFor(key))) failures.push(`${key}: ${response?.status}`);
    }
  }
  return { reads, failures };
}

/** The storage part of `server`'s /healthz. */
export async function health(server: ServerProcess): Promise<{ storage: { full?: Record<string, string> } }> {
  return (await (await fetch(`${server.origin}/healthz`)).json()) as { storage: { full?: Record<string, string> } };
}

/**
 * Fills the store of `server`'s default namespace with `writers` writers at once while `readable` keys are read, and
 * expects what a full store must do for every backend: only 201s and the document's 507s, each writer refused, every
 * read served, no process of `pids` dead or replaced, the namespace `full` in /healthz and its refusals counted.
 */
export async function fillWhileReading(
  server: ServerProcess,
  pids: readonly number[],
  readable: readonly string[],
  filling: Filling,
  writers: number,
): Promise<{ tally: Tally; reads: number }> {
  const tally: Tally = { acknowledged: [], refused: [], unexpected: [] };
  let writing = true;
  const reading = readWhile(server.baseUrl, readable, filling.valueFor, () => !writing);
  await Promise.all(Array.from({ length: writers }, (_, writer) => writeUntilRefused(server.baseUrl, writer, filling, tally)));
  writing = false;
  const { reads, failures } = await reading;

  expect(tally.unexpected).toEqual([]);
  expect(tally.refused.length).toBeGreaterThanOrEqual(writers * filling.refusalsPerWriter);
  expect(failures).toEqual([]);
  expect(reads).toBeGreaterThan(0);
  // No process died or was replaced.
  expect(server.hasExited()).toBe(false);
  expect([server.pid, ...childPids(server.pid)]).toEqual(pids);
  expect((await health(server)).storage.full).toHaveProperty('default');
  const metrics = await (await fetch(`${server.origin}/metrics`)).text();
  expect(metrics).toMatch(/kask_storage_refusals_total\{namespace="default",reason="disk_full"\} [1-9]/);
  return { tally, reads };
}
