import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedService } from '../src/embedded-service.js';
import { injectFaults, type ProcessFault } from '../src/faults.js';
import { historiesSeed } from '../src/random.js';
import { everyOperation } from '../src/recorder.js';
import { anomaliesOf, discardHistory, judgeHistory, type RunSummary, recordHistory } from '../src/run.js';
import { type Breakage, startBrokenService } from './broken-service.js';

// Histories on the embedded store: every operation is linearizable per key, under SIGKILL and SIGSTOP of workers
// and of the primary too. Fixed seeds and a few seconds each in CI; `npm run histories` runs longer on a random seed.
const seed = historiesSeed(28);
const durationMs = Number(process.env.KASK_HISTORIES_SECONDS ?? 8) * 1000;
const clients = 24;

let services: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const service of services) await service.stop();
  services = [];
});

async function recordOnEmbedded(scenario: string, workers: number, faults: readonly ProcessFault[]): Promise<RunSummary> {
  const service = await EmbeddedService.start(workers);
  services.push(service);
  const history = await recordHistory({
    scenario,
    backend: 'embedded',
    seed,
    clients,
    durationMs,
    workload: everyOperation,
    endpoints: [{ baseUrl: service.baseUrl, dc: 'local' }],
    linearizable: true,
    faults: (random, now, stopped) => injectFaults(faults, service, random, now, stopped),
  });
  return judgeHistory(history);
}

function expectClean(summary: RunSummary): void {
  const rerun = `history ${summary.historyPath}; rerun: KASK_HISTORIES_SEED=${summary.seed} npm run histories`;
  expect(anomaliesOf(summary), rerun).toEqual({});
  expect(summary.linearizability?.result, rerun).toBe('Ok');
  discardHistory(summary);
}

describe('histories on the embedded store', () => {
  it('with no fault, every operation of one process is linearizable and no check finds an anomaly', async () => {
    expectClean(await recordOnEmbedded('embedded-no-fault', 1, []));
  });

  it('SIGKILL and SIGSTOP of workers leave every operation linearizable', async () => {
    const summary = await recordOnEmbedded('embedded-workers', 2, ['kill-worker', 'stop-worker']);
    expect(summary.faults['kill-worker'] ?? 0).toBeGreaterThan(0);
    expectClean(summary);
  });

  it('SIGKILL and SIGSTOP of the primary leave every operation linearizable', async () => {
    const summary = await recordOnEmbedded('embedded-primary', 2, ['kill-primary', 'stop-primary']);
    expect(summary.faults['kill-primary'] ?? 0).toBeGreaterThan(0);
    expectClean(summary);
  });

  it('SIGKILL of a single-process server, restarted on its files, leaves every operation linearizable', async () => {
    const summary = await recordOnEmbedded('embedded-single-kill', 1, ['kill-worker']);
    expectClean(summary);
  });
});

describe('the checkers find a deliberately broken store', () => {
  async function recordOnBroken(breakage: Breakage): Promise<RunSummary> {
    const service = await startBrokenService(breakage);
    services.push(service);
    const history = await recordHistory({
      scenario: `broken-${breakage}`,
      backend: 'embedded',
      seed,
      clients,
      durationMs: 4_000,
      workload: everyOperation,
      endpoints: [{ baseUrl: service.baseUrl, dc: 'local' }],
      linearizable: true,
    });
    return judgeHistory(history);
  }

  it('a store that drops acknowledged writes fails linearizability and acknowledged-writes-read-back', async () => {
    const summary = await recordOnBroken('drops-writes');
    expect(anomaliesOf(summary)).toMatchObject({ linearizable: 1, 'acknowledged-writes-read-back': expect.any(Number) });
    discardHistory(summary);
  });

  it('a store that drops acknowledged deletes fails linearizability and no-resurrection', async () => {
    const summary = await recordOnBroken('drops-deletes');
    expect(anomaliesOf(summary)).toMatchObject({ linearizable: 1, 'no-resurrection': expect.any(Number) });
    discardHistory(summary);
  });

  it('a store that extends TTLs fails ttl-never-extends', async () => {
    const summary = await recordOnBroken('extends-ttls');
    expect(anomaliesOf(summary)).toMatchObject({ 'ttl-never-extends': expect.any(Number) });
    discardHistory(summary);
  });
});
