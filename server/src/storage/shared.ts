/**
 * A close for each of `users` stores that share one resource (a connection, an environment): the resource
 * closes once every one of them has closed (each store calls its close once).
 */
export function closedByTheLast(users: number, close: () => Promise<void>): () => Promise<void> {
  let open = users;
  let closing: Promise<void> | undefined;
  return () => {
    open--;
    if (open > 0) return Promise.resolve();
    closing ??= close();
    return closing;
  };
}
