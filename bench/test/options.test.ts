import { describe, expect, it } from 'vitest';
import { parseProfileOptions } from '../profile/options.js';
import { parseOptions, UsageError } from '../src/options.js';
import { variantOf } from '../src/run.js';

describe('the command lines', () => {
  it('leave CPU profiling to npm run profile', () => {
    expect(() => parseOptions(['--profile'], {})).toThrow(UsageError);
  });

  it("give the profiler the benchmark's run options, their KASK_BENCH_* variables included", () => {
    const options = parseProfileOptions(['--duration', '3', '--cassandra', 'off', '--no-fastify', '--workers', '2'], {
      KASK_BENCH_KEYS: '500',
    });
    expect(options).toMatchObject({
      seconds: 3,
      warmupSeconds: 2,
      keys: 500,
      cassandra: 'off',
      fastify: false,
      embedded: true,
      connections: 64,
      workers: 2,
    });
  });

  it('fill the keyspace they are given, kask_bench by default', () => {
    const given = parseOptions(['--cassandra-keyspace', 'kask_cost_bench', '--cassandra-host', '127.0.0.2:9142'], {});
    expect(given === 'help' ? undefined : given.cassandraLocation).toMatchObject({
      host: '127.0.0.2',
      port: 9142,
      keyspace: 'kask_cost_bench',
    });
    const fallback = parseOptions([], {});
    expect(fallback === 'help' ? undefined : fallback.cassandraLocation.keyspace).toBe('kask_bench');
  });

  it('start servers on the loopback address given, 127.0.0.1 by default, and on no other network', () => {
    const addressOf = (options: ReturnType<typeof parseOptions>) => (options === 'help' ? undefined : options.listenAddress);
    expect(addressOf(parseOptions([], {}))).toBe('127.0.0.1');
    expect(addressOf(parseOptions(['--listen-address', '127.0.0.31'], {}))).toBe('127.0.0.31');
    expect(addressOf(parseOptions([], { KASK_BENCH_LISTEN_ADDRESS: '127.1.2.3' }))).toBe('127.1.2.3');
    for (const address of ['10.0.0.1', '0.0.0.0', '127.0.0.256', 'localhost'])
      expect(() => parseOptions(['--listen-address', address], {})).toThrow(UsageError);
  });

  it('pin the server only when asked, by --pin or KASK_BENCH_PIN=1', () => {
    const pinOf = (options: ReturnType<typeof parseOptions>) => (options === 'help' ? undefined : options.pin);
    expect(pinOf(parseOptions([], {}))).toBe(false);
    expect(pinOf(parseOptions(['--pin'], {}))).toBe(true);
    expect(pinOf(parseOptions([], { KASK_BENCH_PIN: '1' }))).toBe(true);
  });

  it('profile at one connection count and one worker count', () => {
    expect(() => parseProfileOptions(['--connections', '16,64'], {})).toThrow(/--connections/);
    expect(() => parseProfileOptions(['--workers', '0'], {})).toThrow(/--workers/);
    expect(() => parseProfileOptions(['--cassandra', 'maybe'], {})).toThrow(/--cassandra/);
  });

  it('run the production shape at the rates given, 3 rounds and a 10 s cold round by default', () => {
    const given = parseOptions(['--production', '300,1000'], {});
    expect(given === 'help' ? undefined : given.production).toEqual({ rates: [300, 1000], rounds: 3, coldSeconds: 10 });
    const none = parseOptions(['--production', '300', '--rounds', '2', '--cold', '0'], {});
    expect(none === 'help' ? undefined : none.production).toEqual({ rates: [300], rounds: 2, coldSeconds: 0 });
    expect(() => parseOptions(['--production', '0'], {})).toThrow(UsageError);
  });
});

describe('a --variant', () => {
  it('splits node options from NAME=VALUE variables, and names the target by both', () => {
    expect(variantOf(' --max-semi-space-size=4  MALLOC_ARENA_MAX=2 ')).toEqual({
      label: '--max-semi-space-size=4 MALLOC_ARENA_MAX=2',
      nodeOptions: ['--max-semi-space-size=4'],
      env: { MALLOC_ARENA_MAX: '2' },
    });
  });
});
