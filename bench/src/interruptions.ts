// NOTE: a benchmark stopped by SIGINT, SIGTERM or SIGHUP (Ctrl-C reaches only the terminal's process group;
// `kill` and `timeout` reach the benchmark alone) left its servers listening, their temporary directories on
// disk and a Cassandra node (which outlives it, in a session of its own) on the cores it was pinned to.
const pending: (() => void)[] = [];
const interruptions = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function undoAllAndDie(signal: NodeJS.Signals): void {
  // The newest first, as resources are released: a server stops before its directory is removed. One that fails
  // (a directory that cannot be removed) must not leave the others' servers running.
  for (const undo of [...pending].reverse()) {
    try {
      undo();
    } catch (error) {
      process.stderr.write(`interrupted: could not undo: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  // The last undo removed this listener, so the signal now ends the process as it would have.
  process.kill(process.pid, signal);
}

/**
 * Registers `undo` (synchronous, safe to run at any time) to run if the process is interrupted; answers a function
 * that runs it now instead, once, and forgets it.
 */
export function undoneOnInterruption(undo: () => void): () => void {
  let done = false;
  const now = () => {
    if (done) return;
    done = true;
    pending.splice(pending.indexOf(now), 1);
    if (pending.length === 0) for (const name of interruptions) process.removeListener(name, undoAllAndDie);
    undo();
  };
  if (pending.length === 0) for (const name of interruptions) process.on(name, undoAllAndDie);
  pending.push(now);
  return now;
}
