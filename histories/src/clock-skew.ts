/** Debian's faketime (package faketime), preloaded into a process to set its wall clock apart. */
const faketime = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * The environment of a process whose wall clock is `seconds` behind (its monotonic clock untouched): a kask-ts server
 * whose writes carry older timestamps than its peers' (the Cassandra driver's client-side timestamps).
 */
export function clockBehind(seconds: number): NodeJS.ProcessEnv {
  return { ...process.env, LD_PRELOAD: faketime, FAKETIME: `-${seconds}s`, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}
