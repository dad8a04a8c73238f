import { describe, expect, it } from 'vitest';
import { eventLoopResolutionMs } from '../../server/src/metrics/metrics.js';
import { parseSamples, serverView } from '../src/server-metrics.js';

const scrape = (gcMinor: number, gcMajor: number, requests: [number, number], storage: [number, number]) =>
  parseSamples(`# HELP nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.
# TYPE nodejs_eventloop_lag_p99_seconds gauge
nodejs_eventloop_lag_p99_seconds ${(eventLoopResolutionMs + 2) / 1000}
nodejs_eventloop_lag_max_seconds ${(eventLoopResolutionMs + 30.5) / 1000}
nodejs_gc_duration_seconds_sum{kind="minor"} ${gcMinor}
nodejs_gc_duration_seconds_sum{kind="major"} ${gcMajor}
http_request_duration_seconds_bucket{le="0.01",namespace="sessions",code="200",method="GET"} ${requests[0]}
http_request_duration_seconds_count{namespace="sessions",code="200",method="GET"} ${requests[1]}
kask_storage_operation_duration_seconds_bucket{le="0.01",namespace="sessions",backend="cassandra",operation="get"} ${storage[0]}
kask_storage_operation_duration_seconds_bucket{le="0.01",namespace="sessions",backend="cassandra",operation="set"} ${storage[0]}
kask_storage_operation_duration_seconds_count{namespace="sessions",backend="cassandra",operation="get"} ${storage[1]}
kask_storage_operation_duration_seconds_count{namespace="sessions",backend="cassandra",operation="set"} ${storage[1]}
`);

describe("the server's view of a round", () => {
  it('takes the loop delay of the round, GC per second and the share of slow requests between two scrapes', () => {
    const view = serverView(scrape(1, 0.5, [100, 100], [100, 100]), scrape(1.2, 0.6, [190, 200], [195, 200]), 10);
    // The monitor's readings less its timer's interval.
    expect(view?.loopDelayP99Ms).toBeCloseTo(2);
    expect(view?.loopDelayMaxMs).toBeCloseTo(30.5);
    expect(view?.gcMsPerSecond).toBeCloseTo(30);
    expect(view?.majorGcMsPerSecond).toBeCloseTo(10);
    expect(view?.requestsOver10ms).toBeCloseTo(0.1);
    expect(view?.storageOver10ms).toBeCloseTo(0.05);
  });

  it('is none for a server without those metrics (Kask, or no /metrics)', () => {
    expect(serverView(new Map(), parseSamples('go_goroutines 12\n'), 10)).toBeUndefined();
  });
});
