// A listed identity stands for one kind of certificate name: a URI (`spiffe://wikimedia/mediawiki`) only for a
// URI subjectAltName, any other name only for a subject CN or DNS subjectAltName. Otherwise a CA that lets
// requesters choose their CN (as many internal CAs do) would let anyone take a URI identity by asking for a
// certificate with that CN.

/** A URI's scheme and colon; DNS names never have one, and a CN that has one is not taken as a name. */
const uriScheme = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** The names a client is known by, CN and DNS names first: each kept only where it can stand for an identity. */
export function clientNames(commonAndDnsNames: readonly string[], uriNames: readonly string[]): string[] {
  return [...commonAndDnsNames.filter((name) => !uriScheme.test(name)), ...uriNames.filter((name) => uriScheme.test(name))];
}

/** The metric labels of a client that could not be identified and of one no key of the configuration lists. */
export const anonymousClient = 'anonymous';
export const unlistedClient = 'unlisted';
