import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeServerDirectory, type ServerProcess, startServer } from '../../../test-support/server-process.js';
import { problems } from '../../src/generated/contract.js';
import {
  type DataCentreName,
  freezeDataCentre,
  hintedHandoffsLogged,
  keyspaceReplication,
  otherThan,
  serverConfig,
  startCluster,
  startDataCentre,
  startFreshCluster,
  stopCluster,
  stopDataCentre,
  thawDataCentre,
} from './two-dc-cluster.js';

// The promise of the consistency levels, on a real two-DC Cassandra (tools/cassandra/two-dc.sh: one node per
// data centre, replication {dc1: 1, dc2: 1}) with one kask-ts server per data centre. Reads and writes need
// their own data centre only (LOCAL_QUORUM); a delete needs every data centre (EACH_QUORUM), so that a logout
// is never undone by a data centre that missed it. The tests form one scenario and run in order.

// Longer than the servers' query timeout (Kask's default, 12 s): a request that is not answered by then hangs.
const requestDeadlineMs = 20_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sessionKey(label: string): string {
  return `enwiki:MWSession:two-dc-${label}-${randomUUID()}`;
}

/** One HTTP request that must be answered before the deadline. */
function bounded(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(requestDeadlineMs) });
}

/** How a request repeated until it answered the wanted status went: time taken and the statuses seen on the way. */
interface Poll {
  readonly ms: number;
  readonly attempts: number;
  readonly statuses: Readonly<Record<number, number>>;
  readonly response: Response;
}

/** Repeats a request until it answers `status`; fails at the deadline with the statuses seen. */
async function untilStatus(
  url: string,
  status: number,
  deadlineMs: number,
  intervalMs: number,
  init: RequestInit = {},
): Promise<Poll> {
  const started = performance.now();
  const statuses: Record<number, number> = {};
  for (let attempts = 1; ; attempts++) {
    const response = await bounded(url, init);
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    const ms = Math.round(performance.now() - started);
    if (response.status === status) return { ms, attempts, statuses, response };
    await response.arrayBuffer();
    if (ms > deadlineMs) {
      throw new Error(
        `${init.method ?? 'GET'} ${url} did not answer ${status} within ${deadlineMs} ms: ${JSON.stringify(statuses)}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Waits until `condition` holds (checked every 250 ms); fails at the deadline. */
async function eventually(description: string, condition: () => boolean, deadlineMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > deadlineMs) throw new Error(`${description}: not within ${deadlineMs} ms`);
    await sleep(250);
  }
  return Date.now() - started;
}

const timings: Record<string, number | string> = {};
function note(name: string, value: number | string): void {
  timings[name] = value;
  console.info(`[two-dc] ${name}: ${value}`);
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `min ${at(0)} ms, median ${at(0.5)} ms, max ${at(1)} ms over ${values.length} writes`;
}

describe('two data centres: LOCAL_QUORUM reads and writes, EACH_QUORUM deletes (tools/cassandra/two-dc.sh)', () => {
  const suiteStarted = Date.now();
  const servers = {} as Record<DataCentreName, ServerProcess>;
  const url = (dc: DataCentreName, key: string) => `${servers[dc].baseUrl}${encodeURIComponent(key)}`;
  const get = (dc: DataCentreName, key: string) => bounded(url(dc, key));
  const post = (dc: DataCentreName, key: string, value: string) => bounded(url(dc, key), { method: 'POST', body: value });
  const ready = (dc: DataCentreName, deadlineMs = 60_000) => untilStatus(`${servers[dc].origin}/readyz`, 200, deadlineMs, 250);

  /** The JSON log line the server wrote for the request with `requestId` (waits a moment for the pipe). */
  async function logLineOf(dc: DataCentreName, requestId: string): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined;
    await eventually(
      `the ${dc} server's log line for ${requestId}`,
      () => {
        for (const line of servers[dc].output().split('\n')) {
          if (!line.includes(requestId)) continue;
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.request_id === requestId) found = parsed;
        }
        return found !== undefined;
      },
      5000,
    );
    return found ?? {};
  }

  // Keys that outlive one test: a session written in dc1 with both up, one written in dc1 while dc2 was down.
  const replicated = { key: sessionKey('replicated'), value: 'written in dc1 with both data centres up' };
  const missedByDc2 = { key: sessionKey('missed-by-dc2'), value: 'written in dc1 while dc2 was down' };

  beforeAll(async () => {
    const cluster = await startFreshCluster();
    note('cluster start (two nodes side by side, keyspace)', `${cluster.ms} ms`);
    for (const dc of ['dc1', 'dc2'] as const) {
      expect(await keyspaceReplication(dc)).toMatchObject({ dc1: '1', dc2: '1' });
    }
    const serversStarted = Date.now();
    // One after the other: each is stopped by afterAll only once it is in `servers`.
    servers.dc1 = await startServer(serverConfig('dc1'));
    servers.dc2 = await startServer(serverConfig('dc2'));
    await Promise.all([ready('dc1'), ready('dc2')]);
    note('two kask-ts servers ready', `${Date.now() - serversStarted} ms`);
  }, 10 * 60_000);

  afterAll(async () => {
    await Promise.all(
      Object.values(servers).map(async (server) => {
        await server.stop();
        removeServerDirectory(server);
      }),
    );
    // A test that failed half-way may have left a node frozen; a frozen JVM does not act on SIGTERM.
    thawDataCentre('dc1');
    thawDataCentre('dc2');
    const stopped = await stopCluster();
    note('cluster stop', `${stopped.ms} ms`);
    note('total', `${Date.now() - suiteStarted} ms`);
    console.info(`[two-dc] timings ${JSON.stringify(timings)}`);
  }, 5 * 60_000);

  it('a write through one data centre becomes readable through the other: the replication lag', async () => {
    for (const from of ['dc1', 'dc2'] as const) {
      const to = otherThan(from);
      const lags: number[] = [];
      for (let i = 0; i < 20; i++) {
        const key = sessionKey(`lag-${from}-${i}`);
        const value = `session ${i} written in ${from}`;
        expect((await post(from, key, value)).status).toBe(201);
        // Back-to-back reads: the lag is known to within one read's round trip (about a millisecond here).
        const arrived = await untilStatus(url(to, key), 200, 5000, 0);
        expect(await arrived.response.text()).toBe(value);
        lags.push(arrived.ms);
      }
      note(`replication lag ${from} -> ${to} (201 in ${from} to 200 in ${to})`, summary(lags));
    }

    expect((await post('dc1', replicated.key, replicated.value)).status).toBe(201);
    const arrived = await untilStatus(url('dc2', replicated.key), 200, 5000, 0);
    expect(await arrived.response.text()).toBe(replicated.value);
  }, 120_000);

  it('with the dc2 node down, GET and POST through the dc1 server still succeed; the dc2 server answers 503', async () => {
    const stopped = await stopDataCentre('dc2');
    note('dc2 node stop (clean shutdown)', `${stopped.ms} ms`);

    const read = await get('dc1', replicated.key);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe(replicated.value);
    expect((await post('dc1', missedByDc2.key, missedByDc2.value)).status).toBe(201);
    const readBack = await get('dc1', missedByDc2.key);
    expect(readBack.status).toBe(200);
    expect(await readBack.text()).toBe(missedByDc2.value);

    // The dc2 server has no data centre to serve from: it does not fall back to dc1 (routing users to the
    // data centre that works is the load balancer's job), it says so.
    expect((await get('dc2', replicated.key)).status).toBe(503);
    expect((await bounded(`${servers.dc2.origin}/readyz`)).status).toBe(503);
  }, 300_000);

  it('with the dc2 node down, DELETE through dc1 answers a 503 problem, logs EACH_QUORUM without the key, and the value is still readable in dc1', async () => {
    const requestId = `two-dc-delete-while-dc2-down-${randomUUID()}`;
    const started = performance.now();
    const response = await bounded(url('dc1', replicated.key), { method: 'DELETE', headers: { 'x-request-id': requestId } });
    note('DELETE with dc2 known down answered 503 after', `${Math.round(performance.now() - started)} ms`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({
      type: problems.service_unavailable.type,
      instance: `/sessions/v1/${replicated.key}`,
    });

    const line = await logLineOf('dc1', requestId);
    expect(line).toMatchObject({ level: 'WARNING', msg: 'storage unavailable', kind: 'unavailable' });
    // Cassandra refused before writing anything: it knew dc2 was down ("Not enough replicas available ... EACH_QUORUM").
    expect(String(line.error_message)).toMatch(/Not enough replicas available for query at consistency EACH_QUORUM/);
    for (const secret of [replicated.key, encodeURIComponent(replicated.key), replicated.value]) {
      expect(servers.dc1.output()).not.toContain(secret);
    }

    const read = await get('dc1', replicated.key);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe(replicated.value);
  }, 60_000);

  it('dc2 back: what it missed arrives by hinted handoff, the DELETE through dc1 succeeds, and the key is gone in both data centres', async () => {
    const handoffsBefore = hintedHandoffsLogged('dc1', 'dc2').length;
    const started = await startDataCentre('dc2');
    note('dc2 node start', `${started.ms} ms`);
    note('dc2 server ready again after its node answered CQL', `${(await ready('dc2')).ms} ms`);

    const arrived = await untilStatus(url('dc2', missedByDc2.key), 200, 90_000, 250);
    expect(await arrived.response.text()).toBe(missedByDc2.value);
    note('a write dc2 missed readable in dc2 after its node answered CQL', `${arrived.ms} ms`);
    await eventually(
      'dc1 logs the hinted handoff to dc2',
      () => hintedHandoffsLogged('dc1', 'dc2').length > handoffsBefore,
      10_000,
    );

    const deleted = await bounded(url('dc1', replicated.key), { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    for (const dc of ['dc1', 'dc2'] as const) expect((await get(dc, replicated.key)).status, dc).toBe(404);
  }, 300_000);

  it(
    'after both nodes restart, the deleted key has not come back and the other values are still there',
    async () => {
      const stopped = await stopCluster();
      const started = await startCluster();
      note('cluster restart (stop both, start both)', `${stopped.ms + started.ms} ms`);
      await Promise.all([ready('dc1'), ready('dc2')]);

      for (const dc of ['dc1', 'dc2'] as const) {
        expect((await get(dc, replicated.key)).status, dc).toBe(404);
        const kept = await get(dc, missedByDc2.key);
        expect(kept.status, dc).toBe(200);
        expect(await kept.text()).toBe(missedByDc2.value);
      }
    },
    10 * 60_000,
  );

  // NOTE: with one replica per data centre, a LOCAL_QUORUM read in dc1 asks dc1's replica alone: no other
  // replica is compared, so read repair cannot bring dc2's write to dc1. Hinted handoff does: dc2's node keeps a
  // hint for the down node (for up to max_hint_window, 3 h by default) and replays it once dc1 is back, within
  // about 10-20 s (hints are checked every 10 s). An outage longer than the hint window needs `nodetool repair`.
  it(
    'a write in dc2 while dc1 is down is served by dc2, and reaches dc1 by hinted handoff after it returns',
    async () => {
      const written = { key: sessionKey('written-while-dc1-down'), value: 'written in dc2 while dc1 was down' };
      await stopDataCentre('dc1');
      expect((await get('dc1', written.key)).status).toBe(503);
      expect((await post('dc2', written.key, written.value)).status).toBe(201);
      const served = await get('dc2', written.key);
      expect(served.status).toBe(200);
      expect(await served.text()).toBe(written.value);

      const handoffsBefore = hintedHandoffsLogged('dc2', 'dc1').length;
      const started = await startDataCentre('dc1');
      note('dc1 node start', `${started.ms} ms`);
      const returnedAt = performance.now();
      await ready('dc1');
      const arrived = await untilStatus(url('dc1', written.key), 200, 90_000, 250);
      expect(await arrived.response.text()).toBe(written.value);
      const arrivedMs = Math.round(performance.now() - returnedAt);
      note('dc2 write readable in dc1 after its node answered CQL', `${arrivedMs} ms`);
      note('reads in dc1 that answered 404 before the hint arrived (no read repair)', arrived.statuses[404] ?? 0);
      await eventually(
        'dc2 logs the hinted handoff to dc1',
        () => hintedHandoffsLogged('dc2', 'dc1').length > handoffsBefore,
        10_000,
      );
    },
    10 * 60_000,
  );

  it(
    'a partition dc1 has not detected yet: DELETE through dc1 answers 503 after the write timeout, yet dc1 applied it; the dc2 copy goes once the partition heals',
    async () => {
      const session = { key: sessionKey('deleted-during-partition'), value: 'to be deleted during a partition' };
      expect((await post('dc1', session.key, session.value)).status).toBe(201);
      await untilStatus(url('dc2', session.key), 200, 5000, 0);

      try {
        await freezeDataCentre('dc2');
        const frozenAt = performance.now();
        const requestId = `two-dc-delete-during-partition-${randomUUID()}`;
        const started = performance.now();
        const response = await bounded(url('dc1', session.key), { method: 'DELETE', headers: { 'x-request-id': requestId } });
        note('DELETE during an undetected partition answered 503 after', `${Math.round(performance.now() - started)} ms`);
        expect(response.status).toBe(503);
        const line = await logLineOf('dc1', requestId);
        expect(line).toMatchObject({ msg: 'storage unavailable', kind: 'unavailable' });
        // Cassandra sent the delete to both replicas and gave up on dc2's after its write_request_timeout (2 s).
        expect(String(line.error_message)).toMatch(/Server timeout during write query at consistency EACH_QUORUM/);
        // dc1's replica took the delete before the coordinator gave up waiting for dc2: the caller was told 503,
        // and the session is nevertheless gone in dc1.
        expect((await get('dc1', session.key)).status).toBe(404);

        // Once dc1's failure detector convicts dc2, a DELETE fails at once again, before writing anything.
        const probe = sessionKey('partition-probe');
        let detectedMs: number | undefined;
        while (detectedMs === undefined && performance.now() - frozenAt < 90_000) {
          const probeStarted = performance.now();
          const probeResponse = await bounded(url('dc1', probe), { method: 'DELETE' });
          expect(probeResponse.status).toBe(503);
          if (performance.now() - probeStarted < 1000) detectedMs = Math.round(performance.now() - frozenAt);
          else await sleep(500);
        }
        expect(detectedMs, 'dc1 convicted the frozen dc2 node within 90 s').toBeDefined();
        note('dc1 knew dc2 was gone (DELETE fails at once) after', `${detectedMs} ms`);
      } finally {
        thawDataCentre('dc2');
      }
      // The delete itself expires in dc2's queue (dc2's log reports dropped MUTATION_REQ messages); dc1 keeps it
      // as a hint and sends it while it believes dc2 is up, so it arrives when dc2 answers again. NOTE: SIGSTOP is a
      // partition that keeps the sockets: a hint sent just before dc1 convicted dc2 waits in a socket buffer and is
      // applied as soon as dc2 resumes, so this took from 30 ms to 2 s here; a network partition loses it, and
      // the next dispatch (every 10 s) sends it again. Until it arrives, dc2 still serves the session.
      const healedAt = performance.now();
      const gone = await untilStatus(url('dc2', session.key), 404, 90_000, 250);
      note('the delete reached dc2 after the partition healed', `${Math.round(performance.now() - healedAt)} ms`);
      note('reads in dc2 that still served the deleted session meanwhile', gone.statuses[200] ?? 0);
    },
    10 * 60_000,
  );
});
