// NOTE: node:cluster's primary accepts each connection and hands it to a worker, keeping its own copy until the
// worker acknowledges it (lib/internal/cluster/round_robin_handle.js); a worker that dies in between never does.
// The primary's copy then stays open: the client is neither answered nor refused and waits for its own timeout
// (seen: a POST unanswered for 10 s after a worker was killed under load). A connection lives in the primary
// only for that handoff, so one the primary still holds a while after a worker died is such an orphan, and
// closing it lets the client fail at once and try again on a new connection.

/** What the primary holds for a connection it accepted: libuv's TCP handle, without a net.Socket around it. */
interface TcpHandle {
  getsockname(into: { port?: number }): number;
  getpeername(into: { port?: number }): number;
  close(): void;
}

/** The connections to `port` that this process holds as bare handles (a primary: those it is handing over). */
function heldConnections(port: number): TcpHandle[] {
  const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
  return handles.filter((handle): handle is TcpHandle => {
    if (handle.constructor.name !== 'TCP') return false;
    const local: { port?: number } = {};
    const peer: { port?: number } = {};
    const tcp = handle as TcpHandle;
    return tcp.getsockname(local) === 0 && local.port === port && tcp.getpeername(peer) === 0;
  });
}

/**
 * Closes, after `graceMs`, the connections to `port` that this primary holds now and still holds then: those a
 * worker that just died never took over. Handovers to the living workers finish long before.
 */
export function closeOrphanedConnections(port: number, graceMs: number): void {
  const held = new Set(heldConnections(port));
  if (held.size === 0) return;
  setTimeout(() => {
    for (const handle of heldConnections(port)) if (held.has(handle)) handle.close();
  }, graceMs).unref();
}
