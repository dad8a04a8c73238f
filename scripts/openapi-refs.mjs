// The `$ref` resolver of the OpenAPI document, shared by scripts/generate.mjs and the contract suite
// (contract-tests/harness/spec.ts); its types are in openapi-refs.d.mts.

/** A function that gives a node of `document`, or what its `$ref` points to in `document` (followed to the end). */
export function refResolver(document) {
  return function resolve(node) {
    if (node?.$ref === undefined) return node;
    return resolve(
      node.$ref
        .slice(2)
        .split('/')
        .reduce((at, part) => at[part.replaceAll('~1', '/')], document),
    );
  };
}
