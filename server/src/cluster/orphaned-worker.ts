import cluster from 'node:cluster';

// NOTE: a worker whose primary has gone exits: Node's cluster calls process.exit on an unexpected disconnect, and
// process.exit waits for libuv's threadpool. lmdb-js's write thread, in the middle of a transaction, waits there for
// the main thread to run the transaction's callback, which never comes: the worker never exits and keeps the port
// (seen: a crash test's write unanswered, and a worker blocked in pthread_join for an hour; gdb showed lmdb-js's
// WriteWorker::WaitForCallbacks). LMDB aborts an unfinished transaction and every acknowledged write is already on
// disk, so an orphaned worker ends at once instead, as it would have had it been killed with its primary.

/** In a worker: when its primary has gone, it ends without waiting for threads that wait for it. */
export function endWithThePrimary(): void {
  process.on('exit', () => {
    if (cluster.worker?.exitedAfterDisconnect !== true && !process.connected) process.kill(process.pid, 'SIGKILL');
  });
}
