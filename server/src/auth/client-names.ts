// A listed identity stands for one kind of certificate name: a URI (`spiffe://wikimedia/mediawiki`) only for a
// URI subjectAltName, any other name only for a subject CN or DNS subjectAltName. Otherwise a CA that lets
// requesters choose their CN (as many internal CAs do) would let anyone take a URI identity by asking for a
// certificate with that CN.
//
// Names are compared in one form, which certificates, X-Forwarded-Client-Cert and the configuration are all
// put in: DNS names are case-insensitive (RFC 4343: ASCII letters only), and so is a CN, which is compared as a
// host name; a URI's scheme and host are case-insensitive and the rest is not (RFC 3986 section 6.2.2.1; a SPIFFE
// ID's path is case-sensitive, its scheme and trust domain are not).

/** A URI's scheme and colon; DNS names never have one, and a CN that has one is not taken as a name. */
const uriScheme = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** A URI with an authority: scheme, `//`, userinfo and `@` if any, then host and port up to the path. */
const uriWithAuthority = /^([^:]+:\/\/)([^/?#@]*@)?([^/?#]*)/;

/** `text` with its ASCII letters lower-cased, and only those. */
function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** `uri` with its scheme and host lower-cased: the form a URI identity is compared in. */
function comparedUri(uri: string): string {
  const authority = uriWithAuthority.exec(uri);
  if (authority === null) return uri.replace(uriScheme, asciiLowerCase);
  const [whole, scheme = '', userinfo = '', host = ''] = authority;
  return `${asciiLowerCase(scheme)}${userinfo}${asciiLowerCase(host)}${uri.slice(whole.length)}`;
}

/** The form in which an identity is compared: `name` lower-cased where DNS and URIs ignore case (see above). */
export function comparedName(name: string): string {
  return uriScheme.test(name) ? comparedUri(name) : asciiLowerCase(name);
}

/** The names a client is known by, CN and DNS names first: each kept only where it can stand for an identity, in the form it is compared in. */
export function clientNames(commonAndDnsNames: readonly string[], uriNames: readonly string[]): string[] {
  return [...commonAndDnsNames.filter((name) => !uriScheme.test(name)), ...uriNames.filter((name) => uriScheme.test(name))].map(
    comparedName,
  );
}
