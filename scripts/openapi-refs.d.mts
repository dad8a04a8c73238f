/**
 * A function that gives a node of `document`, or what its `$ref` points to in `document` (followed to the end).
 * A `$ref` is a local JSON pointer (`#/components/...`), each `~1` in it a `/`.
 */
export function refResolver(document: unknown): <T>(node: T) => T;
